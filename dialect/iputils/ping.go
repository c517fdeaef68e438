package iputils

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"netdx/icmpmsg"
	"netdx/probe"
)

// View writes a ping of one target: events and the statistics on W,
// failed sends on EW.
type View struct {
	W, EW io.Writer
	// Quiet shows the statistics only (-q); Verbose adds netdx's lines
	// (-v): late and invalid replies, percentiles, what was not counted.
	Quiet, Verbose bool
}

// Header is iputils' first line, for a payload of size bytes.
func (v *View) Header(t probe.Target, size int) {
	if t.Addr.Is6() {
		fmt.Fprintf(v.W, "PING %s(%s) %d data bytes\n", t.Name, t.Addr, size)
		return
	}
	fmt.Fprintf(v.W, "PING %s (%s) %d(%d) bytes of data.\n", t.Name, t.Addr, size, size+28)
}

// Event writes what happened to a probe to t as iputils does. Late and
// invalid replies, which iputils does not know, only with Verbose:
// scripts count the reply lines.
func (v *View) Event(t probe.Target, ev probe.Event) {
	if ev.Kind == probe.EventSendError {
		fmt.Fprintf(v.EW, "netdx ping: %s: icmp_seq=%d: %s\n", t.Name, ev.Seq, ev.Reason)
		return
	}
	if v.Quiet || (ev.Kind == probe.EventLate || ev.Kind == probe.EventInvalid) && !v.Verbose {
		return
	}
	switch ev.Kind {
	case probe.EventReply, probe.EventDuplicate, probe.EventLate:
		ttl := ""
		if ev.TTL >= 0 {
			ttl = fmt.Sprintf(" ttl=%d", ev.TTL)
		}
		suffix := ""
		switch ev.Kind {
		case probe.EventDuplicate:
			suffix = " (DUP!)"
		case probe.EventLate:
			suffix = " (late: after the -W timeout, not counted)"
		}
		fmt.Fprintf(v.W, "%d bytes from %s: icmp_seq=%d%s time=%s ms%s\n", ev.Bytes, ev.From, ev.Seq, ttl, rttText(ev.RTT), suffix)
	case probe.EventInvalid:
		fmt.Fprintf(v.W, "From %s icmp_seq=%d invalid reply: %s (not counted)\n", ev.From, ev.Seq, ev.Reason)
	case probe.EventError:
		fmt.Fprintf(v.W, "From %s icmp_seq=%d %s\n", ev.From, ev.Seq, icmpmsg.Name(t.Addr.Is6(), ev.ErrType, ev.ErrCode))
	}
}

// rttText formats an RTT the way iputils does: three significant places
// below 10 ms, fewer above.
func rttText(d time.Duration) string {
	us := d.Round(time.Microsecond).Microseconds() // as the statistics: min is the least reply shown
	switch {
	case us >= 100000-50:
		return strconv.FormatInt((us+500)/1000, 10)
	case us >= 10000-5:
		return fmt.Sprintf("%.1f", float64(us)/1000)
	case us >= 1000:
		return fmt.Sprintf("%.2f", float64(us)/1000)
	}
	return fmt.Sprintf("%.3f", float64(us)/1000)
}

// Summary writes iputils' statistics of r, elapsed after the start, and
// with Verbose what netdx knows beyond them (after them: without -v the
// last line is iputils', which scripts read). A target that could not be
// pinged at all has none: it was reported already.
func (v *View) Summary(r probe.Result, elapsed time.Duration) {
	if r.Error != "" {
		return
	}
	w := v.W
	fmt.Fprintf(w, "\n--- %s ping statistics ---\n", r.Target)
	fmt.Fprintf(w, "%d packets transmitted, %d received", r.Sent, r.Received)
	if r.Duplicates > 0 {
		fmt.Fprintf(w, ", +%d duplicates", r.Duplicates)
	}
	if n := errorTotal(r); n > 0 {
		fmt.Fprintf(w, ", +%d errors", n)
	}
	loss := strconv.FormatFloat(r.LossPct, 'g', 6, 64)
	fmt.Fprintf(w, ", %s%% packet loss, time %dms\n", loss, elapsed.Milliseconds())
	if r.RTT != nil {
		s := r.RTT
		fmt.Fprintf(w, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", s.Min, s.Avg, s.Max, s.Mdev)
	} else {
		fmt.Fprintln(w) // iputils ends a run without replies with an empty line (jc tells Linux's ping by it)
	}
	if v.Verbose {
		Percentiles(w, r, "")
		Extras(w, r, "")
	}
}

// Percentiles writes netdx's RTT figures beyond iputils' (-v), each line
// after indent.
func Percentiles(w io.Writer, r probe.Result, indent string) {
	if s := r.RTT; s != nil {
		fmt.Fprintf(w, "%srtt p50/p95/p99/jitter = %.3f/%.3f/%.3f/%.3f ms (%s receive timestamps, %s socket)\n",
			indent, s.P50, s.P95, s.P99, s.Jitter, r.Timestamps, r.Socket)
	}
}

// Extras writes the counts iputils does not have, when not zero, and the
// ICMP errors by type, code and sender (-v), each line after indent.
func Extras(w io.Writer, r probe.Result, indent string) {
	var parts []string
	for _, x := range []struct {
		n    int
		what string
	}{{r.Duplicates, "duplicates"}, {r.Invalid, invalidText(r)}, {r.Late, "late"}, {r.Reordered, "reordered"}, {r.SendErrors, "send errors"}} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", x.n, x.what))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "%sreplies not counted or out of order: %s\n", indent, strings.Join(parts, ", "))
	}
	for _, e := range r.ICMPErrors {
		fmt.Fprintf(w, "%sicmp errors: %d x %s from %s\n", indent, e.Count, e.Name, e.From)
	}
}

func errorTotal(r probe.Result) int {
	n := r.SendErrors
	for _, e := range r.ICMPErrors {
		n += e.Count
	}
	return n
}

// invalidText is "invalid", with the causes when known: "invalid
// (bad_checksum 2, wrong_token 1)".
func invalidText(r probe.Result) string {
	if len(r.InvalidByCause) == 0 {
		return "invalid"
	}
	var causes []string
	for c, n := range r.InvalidByCause {
		causes = append(causes, fmt.Sprintf("%s %d", c, n))
	}
	slices.Sort(causes)
	return "invalid (" + strings.Join(causes, ", ") + ")"
}
