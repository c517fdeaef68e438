package main

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/probe"
)

func checkICMPCommand() *cli.Command {
	return &cli.Command{
		Name:      "check_icmp",
		Usage:     "monitoring-plugins' check_icmp: its options, status line, perfdata and exit codes",
		ArgsUsage: "[HOST...]",
		Description: "Thresholds are RTA[us|ms|s],PL% (defaults 200ms,40% and 500ms,80%); several hosts give one\n" +
			"line, \" :: \" between hosts, and host-prefixed perfdata (rta, pl, rtmax, rtmin). -m N: OK when N hosts\n" +
			"are OK. A host that sends an ICMP error is a lost cause; when every host is, the check ends at once.\n" +
			"Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "H", Usage: "`HOST` to check (repeat, or HOST,HOST)"},
			&cli.StringFlag{Name: "w", Usage: "warning `THRESHOLD` RTA,PL%", DefaultText: "200ms,40%"},
			&cli.StringFlag{Name: "c", Usage: "critical `THRESHOLD` RTA,PL%", DefaultText: "500ms,80%"},
			&cli.IntFlag{Name: "n", Usage: "`PACKETS` per host (at most 20)", DefaultText: "5"},
			&cli.IntFlag{Name: "p", Usage: "`PACKETS` per host, as -n"},
			&cli.StringFlag{Name: "i", Usage: "packet `INTERVAL` to a host (us, ms or s)", DefaultText: "80ms"},
			&cli.StringFlag{Name: "I", Usage: "`INTERVAL` between any two packets (us, ms or s)"},
			&cli.IntFlag{Name: "m", Usage: "`N` hosts alive (OK) make the check OK"},
			&cli.IntFlag{Name: "l", Usage: "`TTL` of the packets"},
			&cli.IntFlag{Name: "t", Usage: "`SECONDS` before the check ends", DefaultText: "10"},
			&cli.IntFlag{Name: "b", Usage: "ICMP data `BYTES`", DefaultText: "68"},
			&cli.StringFlag{Name: "s", Usage: "source `ADDRESS` or interface"},
			&cli.BoolFlag{Name: "4", Usage: "IPv4 only"},
			&cli.BoolFlag{Name: "6", Usage: "IPv6 only"},
			&cli.BoolFlag{Name: "v", Usage: "verbose (accepted; the status line is the same)"},
		},
		Action: checkICMPAction,
	}
}

// icmpThreshold is one of check_icmp's: RTA in milliseconds, loss in
// percent.
type icmpThreshold struct{ rta, pl float64 }

// checkICMPAction: flags → probe.Config → probe.Ping (ended when every
// host is a lost cause) → check_icmp's line → exit code.
func checkICMPAction(c *cli.Context) error {
	warn, crit := icmpThreshold{200, 40}, icmpThreshold{500, 80}
	for _, f := range []struct {
		name string
		th   *icmpThreshold
	}{{"w", &warn}, {"c", &crit}} {
		if c.IsSet(f.name) {
			if err := icmpThresholdFlag(c.String(f.name), f.th); err != nil {
				return pluginError(c, "check_icmp: "+err.Error(), "-%s %s: %v", f.name, c.String(f.name), err)
			}
		}
	}
	// check_icmp lowers a warning above the critical threshold to it.
	warn.rta, warn.pl = min(warn.rta, crit.rta), min(warn.pl, crit.pl)
	packets := 5
	for _, f := range []string{"n", "p"} {
		if c.IsSet(f) {
			packets = c.Int(f)
		}
	}
	if packets > 20 || packets < 1 {
		return pluginError(c, fmt.Sprintf("check_icmp: packets is > 20 (%d)", packets), "-n %d: want 1 to 20 packets", packets)
	}
	minAlive := -1
	if c.IsSet("m") {
		if minAlive = c.Int("m"); minAlive < 0 {
			return pluginError(c, fmt.Sprintf("check_icmp: minimum alive hosts is negative (%d)", minAlive), "-m %d: want 0 or more hosts", minAlive)
		}
	}
	timeout := 10
	if c.IsSet("t") && c.Int("t") != 0 { // check_icmp takes 0 for its default
		if timeout = c.Int("t"); timeout < 0 {
			return pluginError(c, fmt.Sprintf("check_icmp: timeout is negative (%d)", timeout), "-t %d: want a number of seconds", timeout)
		}
	}
	interval := 80 * time.Millisecond
	if c.IsSet("i") {
		d, err := timeVar(c.String("i"))
		if err != nil {
			return pluginError(c, "check_icmp: -i "+c.String("i")+": "+err.Error(), "-i %s: %v", c.String("i"), err)
		}
		interval = d
	}
	cfg := probe.DefaultConfig()
	cfg.Count, cfg.Interval, cfg.Size = packets, interval, 68
	set(c, "l", c.Int, &cfg.TTL)
	set(c, "b", c.Int, &cfg.Size)
	if c.IsSet("I") {
		d, err := timeVar(c.String("I"))
		if err != nil || d <= 0 {
			return pluginError(c, "check_icmp: -I "+c.String("I")+": not a time", "-I %s: want a time (us, ms or s)", c.String("I"))
		}
		cfg.Rate = float64(time.Second) / float64(d)
	}
	if s := c.String("s"); s != "" {
		if a, err := netip.ParseAddr(s); err == nil {
			cfg.Source = a
		} else {
			cfg.Interface = s
		}
	}
	hosts := hostList(c)
	if len(hosts) == 0 {
		return pluginError(c, "check_icmp: No hosts to check", "no host given (-H HOST)")
	}
	targets, err := resolveHosts(c, hosts)
	if err != nil {
		return err
	}
	// check_icmp's longest run: every packet at its interval and at the
	// critical RTA, within -t.
	n := time.Duration(len(targets))
	longest := n*time.Duration(packets)*(interval+msDuration(crit.rta)) + msDuration(crit.rta)
	cfg.Deadline = min(longest, seconds(timeout))
	cfg.Timeout = cfg.Deadline
	lost := make([]*probe.Event, len(targets)) // the error that made a host a lost cause
	down := 0
	results, err := runCheck(c, cfg, targets, func(ev probe.Event) bool {
		if ev.Kind != probe.EventError || lost[ev.Target] != nil || ev.ErrType == 4 && !targets[ev.Target].addr.Is6() {
			return false // source quench only slows check_icmp down
		}
		e := ev
		lost[ev.Target], down = &e, down+1
		return down == len(targets)
	})
	if err != nil {
		return checkFailure(c, configFlags["ping"].with("probe.Count", "-n", "probe.Interval", "-i", "probe.Size", "-b", "probe.TTL", "-l",
			"probe.Rate", "-I", "probe.Source", "-s", "probe.Interface", "-s"), err)
	}
	line, code := checkICMPLine(results, lost, warn, crit, minAlive)
	fmt.Fprintln(c.App.Writer, line)
	return withCode(code, nil)
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// icmpThresholdFlag reads check_icmp's RTA[unit][,PL%] (or PL% alone)
// into th, keeping what is not given.
func icmpThresholdFlag(s string, th *icmpThreshold) error {
	rta, pl, hasPL := strings.Cut(s, ",")
	if !hasPL && strings.HasSuffix(s, "%") {
		rta, pl, hasPL = "", s, true
	}
	if hasPL {
		p, err := strconv.ParseFloat(strings.TrimSuffix(pl, "%"), 64)
		if err != nil || p < 0 || p != math.Trunc(p) {
			return fmt.Errorf("packet loss %q is not a percentage", pl)
		}
		th.pl = min(p, 100)
	}
	if rta != "" {
		d, err := timeVar(rta)
		if err != nil || d <= 0 {
			return fmt.Errorf("round trip average %q is not a time", rta)
		}
		th.rta = min(float64(d)/float64(time.Millisecond), 255000) // check_icmp's ceiling: 255 s
	}
	return nil
}

// timeVar reads check_icmp's times: a number with us, ms (the default)
// or s.
func timeVar(s string) (time.Duration, error) {
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
// and its exit code, computed as check_icmp 2.3.3 does: a host without
// replies is critical; a host is critical at either critical threshold;
// the first host at a warning threshold makes the run WARNING (check_icmp
// counts later ones as OK for -m); -m N makes the run OK with N hosts
// OK.
func checkICMPLine(results []probe.Result, lost []*probe.Event, warn, crit icmpThreshold, minAlive int) (string, int) {
	status, ok, warned, alive := exitOK, 0, 0, 0
	for _, r := range results {
		pl, rta := 100.0, 0.0
		if r.Received > 0 {
			alive++
			pl = float64((r.Sent - r.Received) * 100 / r.Sent)
			rta = r.RTT.Avg
		} else {
			status = exitCritical
		}
		switch {
		case pl >= crit.pl || rta >= crit.rta:
			status = exitCritical
		case status == exitOK && (pl >= warn.pl || rta >= warn.rta):
			status, warned = exitWarning, warned+1
		default:
			ok++
		}
	}
	if alive == 0 {
		status = exitCritical
	}
	if minAlive > -1 {
		switch {
		case ok >= minAlive:
			status = exitOK
		case ok+warned >= minAlive:
			status = exitWarning
		}
	}
	var b strings.Builder
	b.WriteString([]string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}[status] + " - ")
	for i, r := range results {
		if i > 0 {
			b.WriteString(" :: ")
		}
		switch {
		case r.Received > 0:
			fmt.Fprintf(&b, "%s: rta %0.3fms, lost %d%%", r.Target, r.RTT.Avg, (r.Sent-r.Received)*100/r.Sent)
		case lost[i] != nil:
			e := lost[i]
			fmt.Fprintf(&b, "%s: %s @ %s. rta nan, lost 100%%", r.Target, icmpErrorMsg(e.ErrType, e.ErrCode, r.Addr), e.From)
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
			prefix, rta, warn.rta, crit.rta, prefix, pl, int(warn.pl), int(crit.pl), prefix, rtmax, prefix, rtmin)
	}
	return b.String(), status
}

// icmpErrorMsg is check_icmp's word for an ICMP error; for IPv6, which
// check_icmp 2.3.3 does not decode, the words of the same meaning.
func icmpErrorMsg(typ, code int, target string) string {
	if a, err := netip.ParseAddr(target); err == nil && a.Is6() {
		switch {
		case typ == 1 && (code == 0 || code == 7):
			typ, code = 3, 0
		case typ == 1 && code == 3:
			typ, code = 3, 1
		case typ == 1 && code == 4:
			typ, code = 3, 3
		case typ == 1:
			typ, code = 3, 13
		case typ == 2:
			typ, code = 3, 4
		case typ == 3:
			typ = 11
		case typ == 4:
			typ = 12
		}
	}
	switch typ {
	case 3:
		names := []string{"Net unreachable", "Host unreachable", "Protocol unreachable (firewall?)",
			"Port unreachable (firewall?)", "Fragmentation needed", "Source route failed", "Unknown network",
			"Unknown host", "Source host isolated", "Network denied (firewall?)", "Host denied (firewall?)",
			"Bad TOS for network (firewall?)", "Bad TOS for host (firewall?)", "Prohibited by filter (firewall)",
			"Host precedence violation", "Precedence cutoff"}
		if code >= 0 && code < len(names) {
			return names[code]
		}
		return "Invalid code"
	case 11:
		switch code {
		case 0:
			return "Time to live exceeded in transit"
		case 1:
			return "Fragment reassembly time exceeded"
		}
		return "Invalid code"
	case 4:
		return "Transmitting too fast"
	case 5:
		return "Redirect (change route)"
	case 12:
		return "Bad IP header (required option absent)"
	}
	return ""
}
