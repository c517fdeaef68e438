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
// over its defaults (200ms,40% and 500ms,80%). A part of the warning not
// given is lowered to the critical one where it is above it, as
// check_icmp does; a part given is never replaced: a warning above the
// critical threshold, a loss above 100% and an RTA above 255 s (which
// check_icmp 2.3.3 silently lowers, undocumented) are refused. Its errors
// are *InputError.
func ParseCheckICMP(warn, crit string) (w, c ICMPThreshold, err error) {
	var gw, gc ICMPThreshold // as given: -1 for a part not given
	for _, f := range []struct {
		flag, s string
		th      *ICMPThreshold
	}{{"-w", warn, &gw}, {"-c", crit, &gc}} {
		if *f.th, err = parseICMPThreshold(f.s); err != nil {
			return w, c, &InputError{"check_icmp: " + err.Error(), fmt.Errorf("%s %s: %w", f.flag, f.s, err)}
		}
	}
	c = ICMPThreshold{given(gc.RTA, defaultICMPCrit.RTA), given(gc.Loss, defaultICMPCrit.Loss)}
	w = ICMPThreshold{given(gw.RTA, min(defaultICMPWarn.RTA, c.RTA)), given(gw.Loss, min(defaultICMPWarn.Loss, c.Loss))}
	if w.RTA > c.RTA || w.Loss > c.Loss {
		return w, c, &InputError{fmt.Sprintf("check_icmp: warning threshold (%v) is above the critical one (%v)", w, c),
			fmt.Errorf("-w %s: above the critical threshold %v (-c): a warning must come before the critical state", warn, c)}
	}
	return w, c, nil
}

// given is v, or def when v is -1 (not given).
func given(v, def float64) float64 {
	if v < 0 {
		return def
	}
	return v
}

// maxICMPRTA is check_icmp's ceiling on a threshold's RTA, in ms: 255 s.
const maxICMPRTA = 255000

// parseICMPThreshold reads check_icmp's RTA[unit][,PL%] (or PL% alone;
// "" for nothing), -1 for a part not given.
func parseICMPThreshold(s string) (ICMPThreshold, error) {
	th := ICMPThreshold{-1, -1}
	if s == "" {
		return th, nil
	}
	rta, pl, hasPL := strings.Cut(s, ",")
	if !hasPL && strings.HasSuffix(s, "%") {
		rta, pl, hasPL = "", s, true
	}
	if hasPL {
		p, err := strconv.ParseFloat(strings.TrimSuffix(pl, "%"), 64)
		switch {
		case err != nil || p < 0 || p != math.Trunc(p):
			return th, fmt.Errorf("packet loss %q is not a percentage", pl)
		case p > 100:
			return th, fmt.Errorf("packet loss %q is above 100%%", pl)
		}
		th.Loss = p
	}
	if rta != "" {
		d, err := ParseTime(rta)
		ms := float64(d) / float64(time.Millisecond)
		switch {
		case err != nil || d <= 0:
			return th, fmt.Errorf("round trip average %q is not a time", rta)
		case ms > maxICMPRTA:
			return th, fmt.Errorf("round trip average %q is above %ds", rta, maxICMPRTA/1000)
		}
		th.RTA = ms
	}
	return th, nil
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
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) || v*float64(unit) > float64(math.MaxInt64) {
		return 0, fmt.Errorf("%q is not a time (us, ms or s)", s)
	}
	return time.Duration(v * float64(unit)), nil
}

// PacketInterval reads check_icmp's -i, its "max packet interval" to a
// host, as netdx schedules it: the time as written (ParseTime), and below
// probe.MinTiming, 0 included (check_icmp sends the next packet at once),
// probe.MinTiming: a maximum netdx cannot keep is kept as closely as it
// schedules.
func PacketInterval(s string) (time.Duration, error) {
	d, err := ParseTime(s)
	if err != nil {
		return 0, err
	}
	return max(d, probe.MinTiming), nil
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
