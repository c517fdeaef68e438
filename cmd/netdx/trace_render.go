package main

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"netdx/trace"
)

// nameWait is how long a hop line waits for its reverse lookup, on the
// printing goroutine: probing never waits for names.
const nameWait = time.Second

// traceRenderer prints a trace the way traceroute does, one line per hop
// as soon as the hop is complete.
type traceRenderer struct {
	w       io.Writer
	numeric bool
	names   *trace.Names
	mtu     bool
	verbose bool // netdx's notes beyond traceroute's: rate-limited probes
	layout  reportLayout

	hops     chan trace.Hop
	done     chan struct{}
	lastPMTU int
}

func (r *traceRenderer) header(name string, addr netip.Addr, cfg trace.Config) {
	// traceroute's header, word for word: jc and scripts look for it.
	fmt.Fprintf(r.w, "traceroute to %s (%s), %d hops max, %d byte packets\n", name, addr, cfg.MaxTTL, packetBytes(addr, cfg))
}

// packetBytes is the size of a probe packet, IP header included, as
// traceroute counts it.
func packetBytes(addr netip.Addr, cfg trace.Config) int {
	return cfg.Protocol.PacketSize(addr.Is6(), cfg.Size)
}

// start prints hops from a goroutine of its own, so that waiting for a
// name never holds up the trace.
func (r *traceRenderer) start() {
	r.hops, r.done = make(chan trace.Hop, 256), make(chan struct{})
	go func() {
		defer close(r.done)
		for h := range r.hops {
			io.WriteString(r.w, r.line(h))
		}
	}()
}

func (r *traceRenderer) hop(h trace.Hop) { r.hops <- h }

// close waits for the lines under way.
func (r *traceRenderer) close() {
	if r.hops != nil {
		close(r.hops)
		<-r.done
		r.hops = nil
	}
}

func (r *traceRenderer) footer(res trace.Result) {
	r.close()
	if r.mtu && res.PathMTU > 0 {
		fmt.Fprintf(r.w, "     path mtu %d\n", res.PathMTU)
	}
	switch res.EndReason {
	case trace.EndMaxTTL:
		fmt.Fprintf(r.w, "     no answer from %s within %d hops\n", res.Addr, len(res.Hops))
	case trace.EndCanceled:
		fmt.Fprintln(r.w, "     interrupted")
	}
}

// host is "name (addr)" or "addr".
func (r *traceRenderer) host(a netip.Addr) string {
	if r.numeric || r.names == nil {
		return a.String()
	}
	if n := r.names.Name(a, nameWait); n != "" {
		return fmt.Sprintf("%s (%s)", n, a)
	}
	return a.String()
}

// line is one hop in traceroute's format.
func (r *traceRenderer) line(h trace.Hop) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%2d ", h.TTL)
	var last netip.Addr
	limited := 0
	for _, p := range h.Probes {
		switch {
		case p.Answered():
			if p.Addr != last {
				b.WriteString(" " + r.host(p.Addr))
				if e := p.Extensions; e != nil {
					b.WriteString(extensionText(e))
				}
				last = p.Addr
			}
			fmt.Fprintf(&b, "  %.3f ms", float64(p.RTT)/float64(time.Millisecond))
			if p.Annotation != "" {
				b.WriteString(" " + p.Annotation)
			}
		case p.RateLimited:
			limited++
			b.WriteString(" *")
		default:
			b.WriteString(" *")
		}
	}
	if r.mtu {
		if h.PMTU > 0 && h.PMTU != r.lastPMTU {
			fmt.Fprintf(&b, "  pmtu %d", h.PMTU)
			r.lastPMTU = h.PMTU
		}
		if back := backHops(h); back > 0 && back != h.TTL {
			fmt.Fprintf(&b, "  asymm %d", back)
		}
	}
	if limited > 0 && r.verbose {
		fmt.Fprintf(&b, "  (%d rate-limited)", limited)
	}
	b.WriteString("\n")
	return b.String()
}

// backHops guesses the hops an answer took back from its TTL and the
// usual initial TTLs (64, 128, 255), tracepath's asymmetry hint.
func backHops(h trace.Hop) int {
	for _, p := range h.Probes {
		if p.Answered() && p.ReplyTTL > 0 {
			for _, init := range []int{64, 128, 255} {
				if p.ReplyTTL <= init {
					return init - p.ReplyTTL + 1
				}
			}
		}
	}
	return 0
}

func extensionText(e *trace.Extensions) string {
	var b strings.Builder
	for _, l := range e.MPLS {
		s := 0
		if l.S {
			s = 1
		}
		fmt.Fprintf(&b, " <MPLS:L=%d,E=%d,S=%d,T=%d>", l.Label, l.TC, s, l.TTL)
	}
	for _, i := range e.Interfaces {
		var parts []string
		if i.Name != "" {
			parts = append(parts, i.Name)
		}
		if i.Index != 0 {
			parts = append(parts, fmt.Sprintf("ifindex=%d", i.Index))
		}
		if i.Addr.IsValid() {
			parts = append(parts, i.Addr.String())
		}
		if i.MTU != 0 {
			parts = append(parts, fmt.Sprintf("mtu=%d", i.MTU))
		}
		fmt.Fprintf(&b, " <IF:%s %s>", i.Role, strings.Join(parts, ","))
	}
	return b.String()
}

// report prints mtr's report table (see writeReport).
func (r *traceRenderer) report(rep trace.Report) { writeReport(r.w, rep, r.layout, r.host) }
