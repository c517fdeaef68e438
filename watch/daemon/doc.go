// Package daemon runs netdx watch as a service: it opens the watch's
// sinks (the journal, syslog, the --on-finding trigger: any Sink), runs
// the watch with them, serves /metrics and /probe (package metrics) on a
// listener, opens the sinks' files again on SIGHUP (logrotate), and when
// the watch ends shuts the endpoint down and closes the sinks, last opened
// first.
//
// A sink is its package and one Output: a name, which labels its metrics
// (netdx_sink_*{sink=NAME}), and how to open it. A sink whose backlog
// stopped (backlog.ErrStopped: the journal's --on-full stop) ends the
// watch.
//
// Privileges: those of the watch (see package watch) and of the sinks
// (write access to the journal). Run is for one goroutine; it sets the
// garbage collector's target to 25% unless GOGC is set, as a process that
// runs for months should keep its heap near what it holds.
package daemon
