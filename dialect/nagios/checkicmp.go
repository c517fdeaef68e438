package nagios

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"netdx/icmpmsg"
	"netdx/probe"
)

// ICMPThreshold is one of check_icmp's: a round trip average in
// milliseconds and a packet loss in percent.
type ICMPThreshold struct{ RTA, Loss float64 }

// String is th as check_icmp's -w and -c take it: "200ms,40%".
func (th ICMPThreshold) String() string { return fmt.Sprintf("%gms,%g%%", th.RTA, th.Loss) }

// check_icmp's thresholds when -w and -c are not given.
var (
	defaultICMPWarn = ICMPThreshold{200, 40}
	defaultICMPCrit = ICMPThreshold{500, 80}
)

// ParseCheckICMP reads check_icmp's -w and -c ("" for a flag not given)
// over its defaults (200ms,40% and 500ms,80%), and lowers a warning
// above the critical threshold to it, as check_icmp does. Its errors are
// *InputError.
func ParseCheckICMP(warn, crit string) (w, c ICMPThreshold, err error) {
	w, c = defaultICMPWarn, defaultICMPCrit
	for _, f := range []struct {
		flag, s string
		th      *ICMPThreshold
	}{{"-w", warn, &w}, {"-c", crit, &c}} {
		if f.s == "" {
			continue
		}
		if err := parseICMPThreshold(f.s, f.th); err != nil {
			return w, c, &InputError{"check_icmp: " + err.Error(), fmt.Errorf("%s %s: %w", f.flag, f.s, err)}
		}
	}
	w.RTA, w.Loss = min(w.RTA, c.RTA), min(w.Loss, c.Loss)
	return w, c, nil
}

// parseICMPThreshold reads check_icmp's RTA[unit][,PL%] (or PL% alone)
// into th, keeping what is not given.
func parseICMPThreshold(s string, th *ICMPThreshold) error {
	rta, pl, hasPL := strings.Cut(s, ",")
	if !hasPL && strings.HasSuffix(s, "%") {
		rta, pl, hasPL = "", s, true
	}
	if hasPL {
		p, err := strconv.ParseFloat(strings.TrimSuffix(pl, "%"), 64)
		if err != nil || p < 0 || p != math.Trunc(p) {
			return fmt.Errorf("packet loss %q is not a percentage", pl)
		}
		th.Loss = min(p, 100)
	}
	if rta != "" {
		d, err := ParseTime(rta)
		if err != nil || d <= 0 {
			return fmt.Errorf("round trip average %q is not a time", rta)
		}
		th.RTA = min(float64(d)/float64(time.Millisecond), 255000) // check_icmp's ceiling: 255 s
	}
	return nil
}

// ParseTime reads check_icmp's times: a number with us, ms (the default)
// or s.
func ParseTime(s string) (time.Duration, error) {
	unit := time.Millisecond
	switch {
	case strings.HasSuffix(s, "us"), strings.HasSuffix(s, "u"):
		unit, s = time.Microsecond, strings.TrimRight(s, "us")
	case strings.HasSuffix(s, "ms"), strings.HasSuffix(s, "m"):
		unit, s = time.Millisecond, strings.TrimRight(s, "ms")
	case strings.HasSuffix(s, "s"):
		unit, s = time.Second, strings.TrimSuffix(s, "s")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || v*float64(unit) > float64(math.MaxInt64) {
		return 0, fmt.Errorf("%q is not a time (us, ms or s)", s)
	}
	return time.Duration(v * float64(unit)), nil
}

// checkICMPLine is check_icmp's status line with its performance data,
// and its state, computed as check_icmp 2.3.3 does: a host without
// replies is critical; a host is critical at either critical threshold;
// the first host at a warning threshold makes the run WARNING (check_icmp
// counts later ones as OK for -m); -m N (minAlive; -1 without) makes the
// run OK with N hosts OK. lost[i] is the ICMP error that made host i a
// lost cause, if any.
func checkICMPLine(results []probe.Result, lost []*probe.Event, warn, crit ICMPThreshold, minAlive int) (string, State) {
	status := checkICMPState(results, warn, crit, minAlive)
	var b strings.Builder
	b.WriteString(status.String() + " - ")
	for i, r := range results {
		if i > 0 {
			b.WriteString(" :: ")
		}
		switch {
		case r.Received > 0:
			fmt.Fprintf(&b, "%s: rta %0.3fms, lost %d%%", r.Target, r.RTT.Avg, (r.Sent-r.Received)*100/r.Sent)
		case lost[i] != nil:
			e := lost[i]
			a, _ := netip.ParseAddr(r.Addr)
			fmt.Fprintf(&b, "%s: %s @ %s. rta nan, lost 100%%", r.Target, icmpErrorWords(icmpmsg.Classify(a.Is6(), e.ErrType, e.ErrCode)), e.From)
		default:
			fmt.Fprintf(&b, "%s: rta nan, lost 100%%", r.Target)
		}
	}
	b.WriteString("|")
	for _, r := range results {
		prefix := ""
		if len(results) > 1 {
			prefix = r.Target
		}
		var pl int
		var rta, rtmax, rtmin float64
		if r.Received > 0 {
			pl, rta, rtmax, rtmin = (r.Sent-r.Received)*100/r.Sent, r.RTT.Avg, r.RTT.Max, r.RTT.Min
		} else {
			pl = 100
		}
		fmt.Fprintf(&b, "%srta=%0.3fms;%0.3f;%0.3f;0; %spl=%d%%;%d;%d;; %srtmax=%0.3fms;;;; %srtmin=%0.3fms;;;; ",
			prefix, rta, warn.RTA, crit.RTA, prefix, pl, int(warn.Loss), int(crit.Loss), prefix, rtmax, prefix, rtmin)
	}
	return b.String(), status
}

// checkICMPState is checkICMPLine's state.
func checkICMPState(results []probe.Result, warn, crit ICMPThreshold, minAlive int) State {
	status, ok, warned, alive := OK, 0, 0, 0
	for _, r := range results {
		pl, rta := 100.0, 0.0
		if r.Received > 0 {
			alive++
			pl = float64((r.Sent - r.Received) * 100 / r.Sent)
			rta = r.RTT.Avg
		} else {
			status = Critical
		}
		switch {
		case pl >= crit.Loss || rta >= crit.RTA:
			status = Critical
		case status == OK && (pl >= warn.Loss || rta >= warn.RTA):
			status, warned = Warning, warned+1
		default:
			ok++
		}
	}
	if alive == 0 {
		status = Critical
	}
	if minAlive > -1 {
		switch {
		case ok >= minAlive:
			status = OK
		case ok+warned >= minAlive:
			status = Warning
		}
	}
	return status
}

// icmpErrorWords is check_icmp's word for an ICMP error of meaning m.
// check_icmp 2.3.3 decodes ICMP (v4) only: an ICMPv6 error gets the words
// of its meaning's ICMP counterpart (Meaning.IPv4).
func icmpErrorWords(m icmpmsg.Meaning) string {
	return checkICMPWords[m.IPv4()]
}

var checkICMPWords = map[icmpmsg.Meaning]string{
	icmpmsg.NetUnreachable:         "Net unreachable",
	icmpmsg.HostUnreachable:        "Host unreachable",
	icmpmsg.ProtocolUnreachable:    "Protocol unreachable (firewall?)",
	icmpmsg.PortUnreachable:        "Port unreachable (firewall?)",
	icmpmsg.FragmentationNeeded:    "Fragmentation needed",
	icmpmsg.SourceRouteFailed:      "Source route failed",
	icmpmsg.NetUnknown:             "Unknown network",
	icmpmsg.HostUnknown:            "Unknown host",
	icmpmsg.SourceHostIsolated:     "Source host isolated",
	icmpmsg.NetProhibited:          "Network denied (firewall?)",
	icmpmsg.HostProhibited:         "Host denied (firewall?)",
	icmpmsg.NetUnreachableForTOS:   "Bad TOS for network (firewall?)",
	icmpmsg.HostUnreachableForTOS:  "Bad TOS for host (firewall?)",
	icmpmsg.AdminProhibited:        "Prohibited by filter (firewall)",
	icmpmsg.PrecedenceViolation:    "Host precedence violation",
	icmpmsg.PrecedenceCutoff:       "Precedence cutoff",
	icmpmsg.UnreachableBadCode:     "Invalid code",
	icmpmsg.TTLExceeded:            "Time to live exceeded in transit",
	icmpmsg.ReassemblyTimeExceeded: "Fragment reassembly time exceeded",
	icmpmsg.TimeExceededBadCode:    "Invalid code",
	icmpmsg.SourceQuench:           "Transmitting too fast",
	icmpmsg.Redirect:               "Redirect (change route)",
	icmpmsg.ParameterProblem:       "Bad IP header (required option absent)",
}
