// Package watch runs netdx's checks continuously and says when something
// starts and stops being wrong.
//
// A Watcher keeps an echo stream to every target (check.Echoes: one
// socket per address family, each target's last outcomes in a bounded
// window), traces each target's path every PathInterval (check.Path's trace
// rounds, the targets spread over the interval), samples the host every
// Interval (check.HostSampler: interfaces with rates over the real time
// since the previous sample, sniffers, retransmits, listeners, gateways)
// and, every Interval, hands all of it to diagnose's rules as they are:
// every finding is diagnose's, none is re-implemented here. A target's
// path is judged once its window holds MinSample outcomes.
//
// Hysteresis turns the findings of successive evaluations into raised and
// cleared records: raised after RaiseAfter evaluations in a row whose
// sample decides, cleared after ClearAfter clean ones; an inconclusive
// sample neither raises nor clears, so one lost probe never raises a
// finding and a loss near the threshold does not flap.
//
// Records (package record) go to Sinks, a one-method interface: the
// journal, syslog (package rfc5424), the --on-finding trigger; a sink
// that can take no more and was told to stop wraps ErrStop. Round records
// summarise each target's echo statistics every RoundEvery; a snapshot (a
// trace and the socket table, as netdx trace --json and netdx sockets
// --json print them) is taken when a target's window crosses the snapshot
// thresholds; the connection audit (package audit) runs alongside when
// asked. Status is what the metrics endpoint reads at each scrape.
// Package daemon runs a watch as a service: its sinks opened and closed,
// the metrics endpoint served, SIGHUP.
//
// DefaultConfig is the one place the watch's defaults are set (the
// engines' configs in it start from theirs); a Config is taken as it is,
// and Validate refuses what cannot run with a *ConfigError (or the
// engines' own).
//
// Privileges: those of the checks it runs (CAP_NET_RAW for the echo
// streams and ICMP traces; see the engines' docs). Run is for one
// goroutine; Status is safe for concurrent use.
package watch
