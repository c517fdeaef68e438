package main

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/dialect/nagios"
	"netdx/icmpmsg"
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

// checkICMPAction: flags → probe.Config → probe.Ping (ended when every
// host is a lost cause) → check_icmp's line → exit code.
func checkICMPAction(c *cli.Context) error {
	warn, crit, err := nagios.ParseCheckICMP(c.String("w"), c.String("c"))
	var ie *nagios.InputError
	if errors.As(err, &ie) {
		return pluginError(c, ie.Line, "%v", ie.Err)
	}
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
		d, err := nagios.ParseTime(c.String("i"))
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
		d, err := nagios.ParseTime(c.String("I"))
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
	longest := n*time.Duration(packets)*(interval+msDuration(crit.RTA)) + msDuration(crit.RTA)
	cfg.Deadline = min(longest, seconds(timeout))
	cfg.Timeout = cfg.Deadline
	lost := make([]*probe.Event, len(targets)) // the error that made a host a lost cause
	down := 0
	results, err := runCheck(c, cfg, targets, func(ev probe.Event) bool {
		if ev.Kind != probe.EventError || lost[ev.Target] != nil {
			return false
		}
		if icmpmsg.Classify(targets[ev.Target].addr.Is6(), ev.ErrType, ev.ErrCode) == icmpmsg.SourceQuench {
			return false // it only slows check_icmp down
		}
		e := ev
		lost[ev.Target], down = &e, down+1
		return down == len(targets)
	})
	if err != nil {
		return checkFailure(c, configFlags["ping"].with("probe.Count", "-n", "probe.Interval", "-i", "probe.Size", "-b", "probe.TTL", "-l",
			"probe.Rate", "-I", "probe.Source", "-s", "probe.Interface", "-s"), err)
	}
	line, state := nagios.CheckICMPLine(results, lost, warn, crit, minAlive)
	fmt.Fprintln(c.App.Writer, line)
	return withCode(int(state), nil)
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
