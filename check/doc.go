// Package check runs netdx's engines for diagnose and watch: the host
// checks (interfaces and counters through link, sockets through sockets) and
// the path checks (report rounds of traces with an echo stream alongside),
// each target concurrently, and hands what they saw to diagnose's rules. It
// decides nothing: every severity is diagnose's.
//
// Path checks a path once, for a fixed duration. Stream checks it
// continuously (for `netdx trace --live` and watch): trace rounds and an
// echo stream until the context ends, the last rounds and echo requests
// kept in a bounded sliding window, a snapshot of that evidence handed out
// after every round; it can be paused and reset.
//
// Privileges: those of the engines. Path checks need raw sockets or
// ping_group_range (the echo stream) and CAP_NET_RAW for ICMP and TCP trace
// probes; the host checks need root to see other users' sockets' owners.
// A Stream opens its sockets once, when it starts (StreamConfig.OnReady
// says when they are all open, to drop privileges).
//
// Run, Path and a Stream's methods may be called concurrently.
package check
