// Package traceroute writes a trace as Linux traceroute does, word for
// word where scripts and jc read it: the header, one line per hop (each
// probe's address, RTT and unreachable mark, from icmpmsg), as soon as
// the hop is complete. netdx's own notes (path MTU, asymmetry, rate-limited
// probes) are opt-in.
//
// A Printer prints from a goroutine of its own between Start and Close,
// so that waiting for a reverse name never holds up the trace; Hop may be
// called from the engine's callback.
package traceroute
