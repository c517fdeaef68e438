// Package check runs netdx's engines for diagnose and watch: the host
// checks (interfaces and counters through link, sockets through sockets) and
// the path checks (report rounds of traces with an echo stream alongside),
// each target concurrently, and hands what they saw to diagnose's rules. It
// decides nothing: every severity is diagnose's.
//
// Privileges: those of the engines. Path checks need raw sockets or
// ping_group_range (the echo stream) and CAP_NET_RAW for ICMP and TCP trace
// probes; the host checks need root to see other users' sockets' owners.
//
// For netdx watch: Echoes keeps continuous echo streams to many targets on
// one socket per address family (the ping engine with Count 0 would keep
// every request of the run, so fresh sockets take over each Epoch, with no
// gap), each target's last outcomes in a bounded window (4 bytes each) for
// the rules and its totals and RTT histogram since the start; HostSampler
// reads the host on the caller's schedule and keeps the previous interface
// sample, so rates cover the real time between two readings without a
// sleep (link.Read and link.Between).
//
// Run and Path may be called concurrently; Echoes' and HostSampler's
// methods are safe for concurrent use.
package check
