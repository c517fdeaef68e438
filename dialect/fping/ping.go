package fping

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"netdx/dialect/iputils"
	"netdx/icmpmsg"
	"netdx/probe"
)

// MaxListed bounds the RTTs a View keeps for -C's lists, over all
// targets.
const MaxListed = 1 << 22

// View writes a ping as fping does: events on W and EW, the summary on
// EW.
type View struct {
	W, EW io.Writer
	// Quiet shows the summary only (-q); Verbose adds netdx's lines on EW
	// (-v); Lists makes the summary -C's, each probe's RTT.
	Quiet, Verbose, Lists bool

	width int               // of the targets' names, for the columns
	rtts  [][]time.Duration // with Lists: by target and probe, -1 for none
}

// Start prepares the view for a run to targets (the targets given to the
// engine, in its order).
func (v *View) Start(targets []probe.Target) {
	v.width = 0
	for _, t := range targets {
		v.width = max(v.width, len(t.Name))
	}
	if v.Lists {
		v.rtts = make([][]time.Duration, len(targets))
	}
}

// Event writes what happened to a probe to t (the ev.Target'th of Start's
// targets) as fping does, and keeps a reply's RTT for -C's lists.
func (v *View) Event(t probe.Target, ev probe.Event) {
	if v.Lists && ev.Kind == probe.EventReply {
		v.record(ev)
	}
	if ev.Kind == probe.EventSendError {
		fmt.Fprintf(v.EW, "netdx ping: %s: [%d]: %s\n", t.Name, ev.Seq-1, ev.Reason)
		return
	}
	if v.Quiet {
		return
	}
	switch ev.Kind {
	case probe.EventReply:
		fmt.Fprintf(v.W, "%-*s : [%d], %d bytes, %s ms (%s avg, %d%% loss)\n", v.width, t.Name, ev.Seq-1, ev.Bytes,
			timeText(ev.RTT), timeText(ev.AvgRTT), loss(ev.Sent, ev.Received))
	case probe.EventTimeout:
		fmt.Fprintln(v.W, v.timedOut(t.Name, ev))
	case probe.EventDuplicate:
		fmt.Fprintf(v.EW, "%s : duplicate for [%d], %d bytes, %s ms\n", t.Name, ev.Seq-1, ev.Bytes, timeText(ev.RTT))
	case probe.EventError:
		// fping has no answer for the probe: it times out later. netdx
		// knows at once, and shows the same two lines at once.
		fmt.Fprintf(v.EW, "%s from %s for ICMP Echo sent to %s\n", errorName(t.Addr.Is6(), ev.ErrType, ev.ErrCode), ev.From, t.Name)
		fmt.Fprintln(v.W, v.timedOut(t.Name, ev))
	case probe.EventLate:
		if v.Verbose {
			fmt.Fprintf(v.EW, "%s : late reply for [%d], %d bytes, %s ms (after the -t timeout, not counted)\n", t.Name, ev.Seq-1, ev.Bytes, timeText(ev.RTT))
		}
	case probe.EventInvalid:
		if v.Verbose {
			fmt.Fprintf(v.EW, "%s : invalid reply from %s for [%d]: %s (not counted)\n", t.Name, ev.From, ev.Seq-1, ev.Reason)
		}
	}
}

// record keeps a reply's RTT for -C's summary.
func (v *View) record(ev probe.Event) {
	n := (ev.Seq - 1) & 0xffff
	l := v.rtts[ev.Target]
	for len(l) <= n {
		l = append(l, -1)
	}
	l[n] = ev.RTT
	v.rtts[ev.Target] = l
}

// timedOut is fping's line for a request without a reply.
func (v *View) timedOut(name string, ev probe.Event) string {
	avg := "NaN"
	if ev.Received > 0 {
		avg = timeText(ev.AvgRTT)
	}
	return fmt.Sprintf("%-*s : [%d], timed out (%s avg, %d%% loss)", v.width, name, ev.Seq-1, avg, loss(ev.Sent, ev.Received))
}

// Summary writes fping's per-target summary on EW: -c's xmt/rcv/%loss
// lines, or -C's RTT lists. Targets that could not be pinged (their
// Error set) were reported on stderr already and have no line, as in
// fping; when no target was pinged there is no summary.
func (v *View) Summary(all []probe.Result) {
	width, pinged := 0, false
	for _, r := range all {
		if r.Error == "" {
			width, pinged = max(width, len(r.Target)), true
		}
	}
	if !pinged {
		return
	}
	w := v.EW
	if !v.Quiet {
		fmt.Fprintln(w)
	}
	i := 0 // index among the targets pinged, for the -C lists
	for _, r := range all {
		if r.Error != "" {
			continue
		}
		if v.Lists {
			fmt.Fprintln(w, list(r, width, v.rtts[i]))
		} else {
			fmt.Fprintln(w, count(r, width))
		}
		i++
		if v.Verbose {
			iputils.Percentiles(w, r, "  ")
			iputils.Extras(w, r, "  ")
		}
	}
}

// count is fping -c's summary line of a target.
func count(r probe.Result, width int) string {
	s := fmt.Sprintf("%-*s : xmt/rcv/%%loss = %d/%d/%d%%", width, r.Target, r.Sent, r.Received, loss(r.Sent, r.Received))
	if r.RTT != nil && r.Received > 0 {
		s += fmt.Sprintf(", min/avg/max = %s/%s/%s", msText(r.RTT.Min), msText(r.RTT.Avg), msText(r.RTT.Max))
	}
	return s
}

// list is fping -C's summary line of a target: one RTT per request sent,
// "-" for those without a reply.
func list(r probe.Result, width int, rtts []time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s :", width, r.Target)
	for j := 0; j < r.Sent; j++ {
		if j < len(rtts) && rtts[j] >= 0 {
			b.WriteString(" " + timeText(rtts[j]))
		} else {
			b.WriteString(" -")
		}
	}
	return b.String()
}

// timeText is fping's sprint_tm: three significant digits of
// milliseconds.
func timeText(d time.Duration) string {
	t := float64(d) / 1e6
	switch {
	case t < 0:
		return strconv.FormatFloat(t, 'g', 2, 64)
	case t < 1:
		return fmt.Sprintf("%.3f", t)
	case t < 10:
		return fmt.Sprintf("%.2f", t)
	case t < 100:
		return fmt.Sprintf("%.1f", t)
	case t < 1e6:
		return fmt.Sprintf("%.0f", t)
	}
	return fmt.Sprintf("%.3e", t)
}

// msText is timeText for milliseconds.
func msText(ms float64) string { return timeText(time.Duration(ms * float64(time.Millisecond))) }

// loss is fping's loss: lost over sent, truncated to a percent.
func loss(sent, received int) int {
	if sent <= 0 {
		return 0
	}
	return (sent - received) * 100 / sent
}

// errorName is fping's wording of an ICMP error. fping 5.1 words ICMP's
// (v4) errors only: an ICMPv6 error gets the words of its meaning's ICMP
// counterpart (icmpmsg.Meaning.IPv4).
func errorName(v6 bool, typ, code int) string {
	if s := errorNames[icmpmsg.Classify(v6, typ, code).IPv4()]; s != "" {
		return s
	}
	return fmt.Sprintf("ICMP %d", typ)
}

var errorNames = map[icmpmsg.Meaning]string{
	icmpmsg.NetUnreachable:         "ICMP Network Unreachable",
	icmpmsg.HostUnreachable:        "ICMP Host Unreachable",
	icmpmsg.ProtocolUnreachable:    "ICMP Protocol Unreachable",
	icmpmsg.PortUnreachable:        "ICMP Port Unreachable",
	icmpmsg.FragmentationNeeded:    "ICMP Unreachable (Fragmentation Needed)",
	icmpmsg.SourceRouteFailed:      "ICMP Unreachable (Source Route Failed)",
	icmpmsg.NetUnknown:             "ICMP Unreachable (Destination Network Unknown)",
	icmpmsg.HostUnknown:            "ICMP Unreachable (Destination Host Unknown)",
	icmpmsg.SourceHostIsolated:     "ICMP Unreachable (Source Host Isolated)",
	icmpmsg.NetProhibited:          "ICMP Unreachable (Communication with Network Prohibited)",
	icmpmsg.HostProhibited:         "ICMP Unreachable (Communication with Host Prohibited)",
	icmpmsg.NetUnreachableForTOS:   "ICMP Unreachable (Network Unreachable For Type Of Service)",
	icmpmsg.HostUnreachableForTOS:  "ICMP Unreachable (Host Unreachable For Type Of Service)",
	icmpmsg.AdminProhibited:        "ICMP Unreachable (Communication Administratively Prohibited)",
	icmpmsg.PrecedenceViolation:    "ICMP Unreachable (Host Precedence Violation)",
	icmpmsg.PrecedenceCutoff:       "ICMP Unreachable (Precedence cutoff in effect)",
	icmpmsg.UnreachableBadCode:     "ICMP Unreachable (Invalid Code)",
	icmpmsg.TTLExceeded:            "ICMP Time Exceeded",
	icmpmsg.ReassemblyTimeExceeded: "ICMP Time Exceeded",
	icmpmsg.TimeExceededBadCode:    "ICMP Time Exceeded",
	icmpmsg.ParameterProblem:       "ICMP Parameter Problem",
	icmpmsg.SourceQuench:           "ICMP Source Quench",
	icmpmsg.Redirect:               "ICMP Redirect",
}
