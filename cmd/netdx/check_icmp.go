package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/dialect/nagios"
	"netdx/probe"
)

func checkICMPCommand() *cli.Command {
	warn, crit, _ := nagios.ParseCheckICMP("", "")
	return &cli.Command{
		Name:      "check_icmp",
		Usage:     "monitoring-plugins' check_icmp: its options, status line, perfdata and exit codes",
		ArgsUsage: "[HOST...]",
		Description: fmt.Sprintf("Thresholds are RTA[us|ms|s],PL%% (defaults %v and %v); several hosts give one\n", warn, crit) +
			"line, \" :: \" between hosts, and host-prefixed perfdata (rta, pl, rtmax, rtmin). -m N: OK when N hosts\n" +
			"are OK. A host that sends an ICMP error is a lost cause; when every host is, the check ends at once.\n" +
			"Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "H", Usage: "`HOST` to check (repeat, or HOST,HOST)"},
			&cli.StringFlag{Name: "w", Usage: "warning `THRESHOLD` RTA,PL%", DefaultText: warn.String()},
			&cli.StringFlag{Name: "c", Usage: "critical `THRESHOLD` RTA,PL%", DefaultText: crit.String()},
			&cli.IntFlag{Name: "n", Usage: fmt.Sprintf("`PACKETS` per host (at most %d)", nagios.ICMPMaxPackets), DefaultText: fmt.Sprint(nagios.ICMPPackets)},
			&cli.IntFlag{Name: "p", Usage: "`PACKETS` per host, as -n"},
			&cli.StringFlag{Name: "i", Usage: "packet `INTERVAL` to a host (us, ms or s)", DefaultText: nagios.ICMPInterval.String()},
			&cli.StringFlag{Name: "I", Usage: "`INTERVAL` between any two packets (us, ms or s)"},
			&cli.IntFlag{Name: "m", Usage: "`N` hosts alive (OK) make the check OK"},
			&cli.IntFlag{Name: "l", Usage: "`TTL` of the packets"},
			&cli.IntFlag{Name: "t", Usage: "`SECONDS` before the check ends", DefaultText: fmt.Sprint(nagios.ICMPTimeoutSeconds)},
			&cli.IntFlag{Name: "b", Usage: "ICMP data `BYTES`", DefaultText: fmt.Sprint(nagios.ICMPBytes)},
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
	cfg, minAlive, timeout, err := checkICMPConfig(c)
	if err != nil {
		return err
	}
	hosts := hostList(c)
	if len(hosts) == 0 {
		return pluginError(c, "check_icmp: No hosts to check", "no host given (-H HOST)")
	}
	targets, err := resolveHosts(c, hosts)
	if err != nil {
		return err
	}
	cfg.Deadline = nagios.ICMPDeadline(len(targets), cfg.Count, cfg.Interval, crit, timeout)
	cfg.Timeout = cfg.Deadline
	run := nagios.NewICMPRun(targets)
	results, err := runCheck(c, cfg, targets, run.Event)
	if err != nil {
		return checkFailure(c, configFlags["ping"].with("probe.Count", "-n", "probe.Interval", "-i", "probe.Size", "-b", "probe.TTL", "-l",
			"probe.Rate", "-I", "probe.Source", "-s", "probe.Interface", "-s"), err)
	}
	line, state := run.Output(results, warn, crit, minAlive)
	fmt.Fprintln(c.App.Writer, line)
	return withCode(int(state), nil)
}

// checkICMPConfig turns check_icmp's flags into the engine's config, from
// check_icmp's defaults; and reads -m (-1 without) and -t.
func checkICMPConfig(c *cli.Context) (cfg probe.Config, minAlive, timeout int, err error) {
	cfg = probe.DefaultConfig()
	cfg.Count, cfg.Interval, cfg.Size = nagios.ICMPPackets, nagios.ICMPInterval, nagios.ICMPBytes
	set(c, "n", c.Int, &cfg.Count)
	set(c, "p", c.Int, &cfg.Count)
	if n := cfg.Count; n > nagios.ICMPMaxPackets || n < 1 {
		return cfg, 0, 0, pluginError(c, fmt.Sprintf("check_icmp: packets is > %d (%d)", nagios.ICMPMaxPackets, n), "-n %d: want 1 to %d packets", n, nagios.ICMPMaxPackets)
	}
	minAlive, timeout = -1, nagios.ICMPTimeoutSeconds
	if c.IsSet("m") {
		if minAlive = c.Int("m"); minAlive < 0 {
			return cfg, 0, 0, pluginError(c, fmt.Sprintf("check_icmp: minimum alive hosts is negative (%d)", minAlive), "-m %d: want 0 or more hosts", minAlive)
		}
	}
	// check_icmp 2.3.3 runs -t 0 for 10 s and a negative -t without end,
	// undocumented: refused.
	if c.IsSet("t") {
		if timeout = c.Int("t"); timeout < 1 {
			return cfg, 0, 0, pluginError(c, fmt.Sprintf("check_icmp: timeout must be at least 1 second (%d)", timeout), "-t %d: want at least 1 second", timeout)
		}
	}
	if c.IsSet("i") {
		if cfg.Interval, err = nagios.PacketInterval(c.String("i")); err != nil {
			return cfg, 0, 0, pluginError(c, "check_icmp: -i "+c.String("i")+": "+err.Error(), "-i %s: %v", c.String("i"), err)
		}
	}
	set(c, "l", c.Int, &cfg.TTL)
	set(c, "b", c.Int, &cfg.Size)
	if c.IsSet("I") {
		d, err := nagios.ParseTime(c.String("I"))
		if err != nil {
			return cfg, 0, 0, pluginError(c, "check_icmp: -I "+c.String("I")+": not a time", "-I %s: want a time (us, ms or s)", c.String("I"))
		}
		if d > 0 { // 0 is check_icmp's default: no interval between hosts
			cfg.Rate = float64(time.Second) / float64(d)
		}
	}
	sourceFlag(c.String("s"), &cfg)
	return cfg, minAlive, timeout, nil
}
