package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"netdx/dialect/nagios"
	"netdx/probe"
)

func checkPingCommand() *cli.Command {
	return &cli.Command{
		Name:      "check_ping",
		Usage:     "monitoring-plugins' check_ping: its options, status line, perfdata and exit codes",
		ArgsUsage: "[HOST]",
		Description: "Debian's definition works as it is: check_ping -H '$HOSTADDRESS$' -w '$ARG1$' -c '$ARG2$'.\n" +
			"THRESHOLD is RTA,PL% (round trip average in ms, packet loss). The first ICMP unreachable ends\n" +
			"the check at once (CRITICAL - Host Unreachable (HOST)), as check_ping does. With several hosts,\n" +
			"the first to answer is alive, at once (check_ping calls the first alive even when it lost every\n" +
			"packet); if none answers, the first host's line.\n" +
			"Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "H", Aliases: []string{"hostname"}, Usage: "`HOST` to ping (repeat, or HOST,HOST)"},
			&cli.StringFlag{Name: "w", Aliases: []string{"warning"}, Usage: "warning `THRESHOLD` RTA,PL%"},
			&cli.StringFlag{Name: "c", Aliases: []string{"critical"}, Usage: "critical `THRESHOLD` RTA,PL%"},
			&cli.IntFlag{Name: "p", Aliases: []string{"packets"}, Usage: "`PACKETS` to send", DefaultText: fmt.Sprint(nagios.PingPackets)},
			&cli.IntFlag{Name: "t", Aliases: []string{"timeout"}, Usage: "`SECONDS` before the check ends (at least what -p packets at -c's RTA take, as check_ping)", DefaultText: fmt.Sprint(nagios.PingTimeoutSeconds)},
			&cli.BoolFlag{Name: "4", Aliases: []string{"use-ipv4"}, Usage: "IPv4 only"},
			&cli.BoolFlag{Name: "6", Aliases: []string{"use-ipv6"}, Usage: "IPv6 only"},
			&cli.BoolFlag{Name: "n", Aliases: []string{"nohtml"}, Usage: "no HTML in the output (the default)"},
			&cli.BoolFlag{Name: "v", Aliases: []string{"verbose"}, Usage: "print the thresholds after the status line, as check_ping -v"},
		},
		Action: checkPingAction,
	}
}

// checkPingAction: flags → probe.Config → probe.Ping (ended by the first
// unreachable) → check_ping's line → exit code.
func checkPingAction(c *cli.Context) error {
	th, err := nagios.ParseCheckPing(c.String("w"), c.String("c"))
	var ie *nagios.InputError
	if errors.As(err, &ie) {
		return pluginError(c, ie.Line, "%v", ie.Err)
	}
	hosts := hostList(c)
	if len(hosts) == 0 {
		return pluginError(c, "check_ping: Could not parse arguments", "no host given (-H HOST)")
	}
	packets := nagios.PingPackets
	if c.IsSet("p") {
		if packets = c.Int("p"); packets <= 0 {
			return pluginError(c, fmt.Sprintf("check_ping: <max_packets> (%d) must be a non-negative number", packets),
				"-p %d: want at least 1 packet", packets)
		}
	}
	timeout := nagios.PingTimeoutSeconds
	if c.IsSet("t") {
		if timeout = c.Int("t"); timeout <= 0 {
			return pluginError(c, fmt.Sprintf("check_ping: Timeout interval must be a positive integer (%d)", timeout), "-t %d: want a positive number of seconds", timeout)
		}
	}
	targets, err := resolveHosts(c, hosts)
	if err != nil {
		return err
	}
	cfg := probe.DefaultConfig()
	cfg.Count, cfg.Timeout = packets, nagios.PingDeadline(timeout, packets, th)
	cfg.Deadline = cfg.Timeout
	run := nagios.NewPingRun(targets)
	results, err := runCheck(c, cfg, targets, run.Event)
	if err != nil {
		return checkFailure(c, configFlags["ping"].with("probe.Count", "-p", "probe.Timeout", "-t", "probe.Deadline", "-t"), err)
	}
	out, state := run.Output(results, th, c.Bool("v"))
	fmt.Fprintln(c.App.Writer, out)
	return withCode(int(state), nil)
}
