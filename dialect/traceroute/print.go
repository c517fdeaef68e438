package traceroute

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

// Namer gives the reverse name of an address, waiting at most wait; ""
// when it has none (trace.Names is one).
type Namer interface {
	Name(a netip.Addr, wait time.Duration) string
}

// Printer prints a trace the way traceroute does.
type Printer struct {
	W io.Writer
	// Names names the addresses; nil prints them as numbers (-n).
	Names Namer
	// MTU adds the path MTU where it changes and the hops an answer took
	// back when they differ (--mtu, tracepath's notes); Verbose the probes
	// a hop left unanswered while it answered others, and the answers
	// that are unverified (trace.Probe.Unverified).
	MTU, Verbose bool

	hops     chan trace.Hop
	done     chan struct{}
	lastPMTU int
}

// Header prints traceroute's first line, word for word (jc and scripts
// look for it): maxTTL hops, packets of size bytes IP header included.
func Header(w io.Writer, name string, addr netip.Addr, maxTTL, size int) {
	fmt.Fprintf(w, "traceroute to %s (%s), %d hops max, %d byte packets\n", name, addr, maxTTL, size)
}

// Start starts printing hops.
func (p *Printer) Start() {
	p.hops, p.done = make(chan trace.Hop, 256), make(chan struct{})
	go func() {
		defer close(p.done)
		for h := range p.hops {
			io.WriteString(p.W, p.line(h))
		}
	}()
}

// Hop prints h (after Start).
func (p *Printer) Hop(h trace.Hop) { p.hops <- h }

// Close waits for the lines under way; the Printer may Start again.
func (p *Printer) Close() {
	if p.hops != nil {
		close(p.hops)
		<-p.done
		p.hops = nil
	}
}

// Footer closes the Printer and prints the path MTU (with MTU: an MTU
// black hole where the probes died, and the largest size that passes it)
// and how a trace that did not reach its target ended: every hop tried, or
// an interrupt.
func (p *Printer) Footer(res trace.Result) {
	p.Close()
	bh := res.BlackHole
	if p.MTU && bh != nil {
		where := "before hop 1"
		if bh.After > 0 {
			where = fmt.Sprintf("after hop %d (%s)", bh.After, p.Host(bh.Addr))
		}
		fmt.Fprintf(p.W, "     mtu black hole %s: probes of %d bytes and more die without \"fragmentation needed\", %d bytes reach hop %d (%s)\n",
			where, bh.Smallest, bh.Largest, bh.Reach, p.Host(bh.ReachAddr))
	}
	if p.MTU && res.PathMTU > 0 {
		fmt.Fprintf(p.W, "     path mtu %d\n", res.PathMTU)
	}
	switch {
	case res.EndReason == trace.EndMaxTTL && bh != nil && bh.ReachAddr == res.Addr:
		// The target answered the smaller probes: the black hole says it.
	case res.EndReason == trace.EndMaxTTL:
		fmt.Fprintf(p.W, "     no answer from %s within %d hops\n", res.Addr, len(res.Hops))
	case res.EndReason == trace.EndCanceled:
		fmt.Fprintln(p.W, "     interrupted")
	}
}

// Host is a as traceroute shows it: "name (addr)", or addr.
func (p *Printer) Host(a netip.Addr) string {
	if p.Names == nil {
		return a.String()
	}
	if n := p.Names.Name(a, nameWait); n != "" {
		return fmt.Sprintf("%s (%s)", n, a)
	}
	return a.String()
}

// line is one hop in traceroute's format.
func (p *Printer) line(h trace.Hop) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%2d ", h.TTL)
	var last netip.Addr
	limited, unverified := 0, 0
	for _, pr := range h.Probes {
		switch {
		case pr.Answered():
			if pr.Unverified {
				unverified++
			}
			if pr.Addr != last {
				b.WriteString(" " + p.Host(pr.Addr))
				if e := pr.Extensions; e != nil {
					b.WriteString(extensionText(e))
				}
				last = pr.Addr
			}
			fmt.Fprintf(&b, "  %.3f ms", float64(pr.RTT)/float64(time.Millisecond))
			if pr.Annotation != "" {
				b.WriteString(" " + pr.Annotation)
			}
		case pr.RateLimited:
			limited++
			b.WriteString(" *")
		default:
			b.WriteString(" *")
		}
	}
	if p.MTU {
		if h.PMTU > 0 && h.PMTU != p.lastPMTU {
			fmt.Fprintf(&b, "  pmtu %d", h.PMTU)
			p.lastPMTU = h.PMTU
		}
		if back := backHops(h); back > 0 && back != h.TTL {
			fmt.Fprintf(&b, "  asymm %d", back)
		}
	}
	if limited > 0 && p.Verbose {
		fmt.Fprintf(&b, "  (%d rate-limited)", limited)
	}
	if unverified > 0 && p.Verbose {
		fmt.Fprintf(&b, "  (%d unverified: quoted without the probe's token)", unverified)
	}
	b.WriteString("\n")
	return b.String()
}

// backHops is the hops the first answer of h with a TTL took back
// (trace.BackHops), tracepath's asymmetry hint.
func backHops(h trace.Hop) int {
	for _, p := range h.Probes {
		if p.Answered() && p.ReplyTTL > 0 {
			return trace.BackHops(p.ReplyTTL)
		}
	}
	return 0
}

// extensionText is traceroute -e's text of an answer's ICMP extensions:
// MPLS labels and interface information.
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
