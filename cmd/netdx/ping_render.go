package main

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

// pingDoc is ping's JSON document.
type pingDoc struct {
	Status      string         `json:"status"`
	Targets     []probe.Result `json:"targets"`
	Interrupted bool           `json:"interrupted,omitempty"` // Ctrl-C: statistics so far
}

// pingView is how a run is shown: like iputils ping (one target), like
// fping (several targets, or fping's flags), as check_ping's line
// (thresholds) or as one JSON document. Send errors go to stderr in every
// view.
type pingView struct {
	w, ew   io.Writer
	json    bool
	nagios  *thresholds
	quiet   bool
	fping   bool // fping's lines, stdout and stderr as fping puts them
	lists   bool // fping -C: each probe's RTT in the summary
	verbose bool // netdx's figures beyond the classic tool's

	rtts [][]time.Duration // with lists: by target and probe, -1 for none
}

// maxListed bounds the RTTs -C keeps for its summary.
const maxListed = 1 << 22

// text reports whether replies are shown as they come.
func (v *pingView) text() bool { return !v.json && v.nagios == nil }

// hook sets the engine's callbacks: drop privileges once the sockets are
// open (then iputils' header), and live lines for each event.
func (v *pingView) hook(cfg *probe.Config, targets []probe.Target, drop func()) {
	cfg.OnReady = drop
	if v.text() && !v.fping {
		cfg.OnReady = func() {
			drop()
			printHeader(v.w, targets[0], cfg.Size)
		}
	}
	if v.lists {
		v.rtts = make([][]time.Duration, len(targets))
	}
	live := v.liveOutput(targets)
	cfg.OnEvent = func(ev probe.Event) {
		if v.lists && ev.Kind == probe.EventReply {
			v.record(ev)
		}
		if ev.Kind == probe.EventSendError || v.text() {
			live(ev)
		}
	}
}

// record keeps a reply's RTT for fping -C's summary.
func (v *pingView) record(ev probe.Event) {
	n := (ev.Seq - 1) & 0xffff
	l := v.rtts[ev.Target]
	for len(l) <= n {
		l = append(l, -1)
	}
	l[n] = ev.RTT
	v.rtts[ev.Target] = l
}

// liveOutput prints each reply and error as it happens: iputils' lines
// for one target, fping's for several (or with fping's flags).
func (v *pingView) liveOutput(targets []probe.Target) func(probe.Event) {
	if v.fping {
		return v.fpingLive(targets)
	}
	return func(ev probe.Event) {
		t := targets[ev.Target]
		if ev.Kind == probe.EventSendError {
			fmt.Fprintf(v.ew, "netdx ping: %s: icmp_seq=%d: %s\n", t.Name, ev.Seq, ev.Reason)
			return
		}
		if !v.quiet {
			printIputilsEvent(v.w, t, ev, v.verbose)
		}
	}
}

// summary prints the end of a run (also when interrupted: the statistics
// so far).
func (v *pingView) summary(all []probe.Result, code int, elapsed time.Duration, interrupted bool) error {
	switch {
	case v.json:
		return writeJSON(v.w, pingDoc{Status: statusName(code), Targets: all, Interrupted: interrupted})
	case v.nagios != nil:
		for _, r := range all {
			fmt.Fprintln(v.w, nagiosLine(r, *v.nagios))
		}
	case v.fping && anyPinged(all):
		v.fpingSummary(all)
	case !v.fping && all[0].Error == "":
		printSummary(v.w, all[0], elapsed, v.verbose)
	}
	// Otherwise every name failed and was reported on stderr.
	return nil
}

func anyPinged(all []probe.Result) bool {
	for _, r := range all {
		if r.Error == "" {
			return true
		}
	}
	return false
}

func statusName(code int) string {
	return [...]string{"ok", "warning", "critical", "unknown"}[code]
}

// pingCode is the exit code of a run: 3 when a target could not be pinged
// at all, else the thresholds' verdict, else 2 when a target never
// answered.
func pingCode(results []probe.Result, th *thresholds) int {
	code := exitOK
	for _, r := range results {
		var c int
		switch {
		case r.Error != "":
			return exitUnknown
		case th != nil:
			c = nagiosState(r, *th)
		case r.Received == 0:
			c = exitCritical
		}
		code = max(code, c)
	}
	return code
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

func msText(ms float64) string {
	return rttText(time.Duration(ms * float64(time.Millisecond)))
}

// printHeader prints iputils' first line for a single target.
func printHeader(w io.Writer, t probe.Target, size int) {
	if t.Addr.Is6() {
		fmt.Fprintf(w, "PING %s(%s) %d data bytes\n", t.Name, t.Addr, size)
		return
	}
	fmt.Fprintf(w, "PING %s (%s) %d(%d) bytes of data.\n", t.Name, t.Addr, size, size+28)
}

// printIputilsEvent prints an event as iputils does. Late and invalid
// replies, which iputils does not know, only with -v: scripts count the
// reply lines.
func printIputilsEvent(w io.Writer, t probe.Target, ev probe.Event, verbose bool) {
	if (ev.Kind == probe.EventLate || ev.Kind == probe.EventInvalid) && !verbose {
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
		fmt.Fprintf(w, "%d bytes from %s: icmp_seq=%d%s time=%s ms%s\n", ev.Bytes, ev.From, ev.Seq, ttl, rttText(ev.RTT), suffix)
	case probe.EventInvalid:
		fmt.Fprintf(w, "From %s icmp_seq=%d invalid reply: %s (not counted)\n", ev.From, ev.Seq, ev.Reason)
	case probe.EventError:
		fmt.Fprintf(w, "From %s icmp_seq=%d %s\n", ev.From, ev.Seq, icmpmsg.Name(t.Addr.Is6(), ev.ErrType, ev.ErrCode))
	}
}

func nameWidth(targets []probe.Target) int {
	w := 0
	for _, t := range targets {
		w = max(w, len(t.Name))
	}
	return w
}

func lossText(pct float64) string { return strconv.FormatFloat(pct, 'g', 6, 64) }

// printSummary prints iputils' statistics for one target and, with -v,
// what netdx knows beyond them (after them: without -v the last line is
// iputils', which scripts read).
func printSummary(w io.Writer, r probe.Result, elapsed time.Duration, verbose bool) {
	fmt.Fprintf(w, "\n--- %s ping statistics ---\n", r.Target)
	fmt.Fprintf(w, "%d packets transmitted, %d received", r.Sent, r.Received)
	if r.Duplicates > 0 {
		fmt.Fprintf(w, ", +%d duplicates", r.Duplicates)
	}
	if n := errorTotal(r); n > 0 {
		fmt.Fprintf(w, ", +%d errors", n)
	}
	fmt.Fprintf(w, ", %s%% packet loss, time %dms\n", lossText(r.LossPct), elapsed.Milliseconds())
	if r.RTT != nil {
		s := r.RTT
		fmt.Fprintf(w, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", s.Min, s.Avg, s.Max, s.Mdev)
	} else {
		fmt.Fprintln(w) // iputils ends a run without replies with an empty line (jc tells Linux's ping by it)
	}
	if verbose {
		printPercentiles(w, r, "")
		printExtras(w, r, "")
	}
}

// printPercentiles prints netdx's RTT figures beyond iputils' (-v).
func printPercentiles(w io.Writer, r probe.Result, indent string) {
	if s := r.RTT; s != nil {
		fmt.Fprintf(w, "%srtt p50/p95/p99/jitter = %.3f/%.3f/%.3f/%.3f ms (%s receive timestamps, %s socket)\n",
			indent, s.P50, s.P95, s.P99, s.Jitter, r.Timestamps, r.Socket)
	}
}

// printExtras prints the counts iputils does not have, when not zero.
func printExtras(w io.Writer, r probe.Result, indent string) {
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
