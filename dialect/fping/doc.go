// Package fping writes a ping of one or several targets as fping 5.1
// does, and where it does: replies and timeouts on stdout (not with -q),
// ICMP errors and duplicates on stderr (not with -q), the summary on
// stderr — -c's xmt/rcv/%loss lines, or -C's RTT lists, which SmokePing's
// FPing probe reads. netdx's own lines (late and invalid replies, the
// figures fping lacks) only with -v, on stderr.
//
// A View keeps the RTTs -C lists: one goroutine at a time (the engine's
// event callback, then Summary).
package fping
