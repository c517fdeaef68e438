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
// Run and Path may be called concurrently.
package check
