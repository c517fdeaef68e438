package main

import (
	"fmt"
	"strings"
	"time"

	"netdx/probe"
)

// fping's output, placed as fping 5.1 places it: replies and timeouts on
// stdout (not with -q), ICMP errors and duplicates on stderr (not with
// -q), the summary on stderr. netdx's own lines (late and invalid
// replies, the figures fping lacks) only with -v, on stderr.

// fpingLive prints each event as fping does.
func (v *pingView) fpingLive(targets []probe.Target) func(probe.Event) {
	width := nameWidth(targets)
	return func(ev probe.Event) {
		t := targets[ev.Target]
		if ev.Kind == probe.EventSendError {
			fmt.Fprintf(v.ew, "netdx ping: %s: [%d]: %s\n", t.Name, ev.Seq-1, ev.Reason)
			return
		}
		if v.quiet {
			return
		}
		switch ev.Kind {
		case probe.EventReply:
			fmt.Fprintf(v.w, "%-*s : [%d], %d bytes, %s ms (%s avg, %d%% loss)\n", width, t.Name, ev.Seq-1, ev.Bytes,
				fpingTime(ev.RTT), fpingTime(ev.AvgRTT), fpingLoss(ev.Sent, ev.Received))
		case probe.EventTimeout:
			fmt.Fprintln(v.w, fpingTimedOut(width, t.Name, ev))
		case probe.EventDuplicate:
			fmt.Fprintf(v.ew, "%s : duplicate for [%d], %d bytes, %s ms\n", t.Name, ev.Seq-1, ev.Bytes, fpingTime(ev.RTT))
		case probe.EventError:
			// fping has no answer for the probe: it times out later. netdx
			// knows at once, and shows the same two lines at once.
			fmt.Fprintf(v.ew, "%s from %s for ICMP Echo sent to %s\n", fpingErrorName(t.Addr.Is6(), ev.ErrType, ev.ErrCode), ev.From, t.Name)
			fmt.Fprintln(v.w, fpingTimedOut(width, t.Name, ev))
		case probe.EventLate:
			if v.verbose {
				fmt.Fprintf(v.ew, "%s : late reply for [%d], %d bytes, %s ms (after the -t timeout, not counted)\n", t.Name, ev.Seq-1, ev.Bytes, fpingTime(ev.RTT))
			}
		case probe.EventInvalid:
			if v.verbose {
				fmt.Fprintf(v.ew, "%s : invalid reply from %s for [%d]: %s (not counted)\n", t.Name, ev.From, ev.Seq-1, ev.Reason)
			}
		}
	}
}

// fpingTimedOut is fping's line for a request without a reply.
func fpingTimedOut(width int, name string, ev probe.Event) string {
	avg := "NaN"
	if ev.Received > 0 {
		avg = fpingTime(ev.AvgRTT)
	}
	return fmt.Sprintf("%-*s : [%d], timed out (%s avg, %d%% loss)", width, name, ev.Seq-1, avg, fpingLoss(ev.Sent, ev.Received))
}

// fpingSummary prints fping's per-target summary on stderr: -c's
// xmt/rcv/%loss lines, or -C's RTT lists. Targets whose name did not
// resolve were reported on stderr already and have no line, as in fping.
func (v *pingView) fpingSummary(all []probe.Result) {
	w := v.ew
	if !v.quiet {
		fmt.Fprintln(w)
	}
	width := 0
	for _, r := range all {
		if r.Error == "" {
			width = max(width, len(r.Target))
		}
	}
	i := 0 // index among the targets pinged, for the -C lists
	for _, r := range all {
		if r.Error != "" {
			continue
		}
		if v.lists {
			fmt.Fprintln(w, fpingList(r, width, v.rtts[i]))
		} else {
			fmt.Fprintln(w, fpingCount(r, width))
		}
		i++
		if v.verbose {
			printPercentiles(w, r, "  ")
			printExtras(w, r, "  ")
		}
	}
}

// fpingCount is fping -c's summary line of a target.
func fpingCount(r probe.Result, width int) string {
	s := fmt.Sprintf("%-*s : xmt/rcv/%%loss = %d/%d/%d%%", width, r.Target, r.Sent, r.Received, fpingLoss(r.Sent, r.Received))
	if r.RTT != nil && r.Received > 0 {
		s += fmt.Sprintf(", min/avg/max = %s/%s/%s", fpingMs(r.RTT.Min), fpingMs(r.RTT.Avg), fpingMs(r.RTT.Max))
	}
	return s
}

// fpingList is fping -C's summary line of a target: one RTT per request
// sent, "-" for those without a reply.
func fpingList(r probe.Result, width int, rtts []time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s :", width, r.Target)
	for j := 0; j < r.Sent; j++ {
		if j < len(rtts) && rtts[j] >= 0 {
			b.WriteString(" " + fpingTime(rtts[j]))
		} else {
			b.WriteString(" -")
		}
	}
	return b.String()
}

// fpingMs is fpingTime for milliseconds.
func fpingMs(ms float64) string { return fpingTime(time.Duration(ms * float64(time.Millisecond))) }
