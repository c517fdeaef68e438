package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"netdx/icmpmsg"
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
			&cli.IntFlag{Name: "p", Aliases: []string{"packets"}, Usage: "`PACKETS` to send", DefaultText: "5"},
			&cli.IntFlag{Name: "t", Aliases: []string{"timeout"}, Usage: "`SECONDS` before the check ends (at least what -p packets at -c's RTA take, as check_ping)", DefaultText: "10"},
			&cli.BoolFlag{Name: "4", Aliases: []string{"use-ipv4"}, Usage: "IPv4 only"},
			&cli.BoolFlag{Name: "6", Aliases: []string{"use-ipv6"}, Usage: "IPv6 only"},
			&cli.BoolFlag{Name: "n", Aliases: []string{"nohtml"}, Usage: "no HTML in the output (the default)"},
			&cli.BoolFlag{Name: "v", Aliases: []string{"verbose"}, Usage: "print the thresholds after the status line, as check_ping -v"},
		},
		Action: checkPingAction,
	}
}

// pingThresholds are check_ping's four thresholds; a negative value was
// not given.
type pingThresholds struct{ wrta, crta, wpl, cpl float64 }

// checkPingAction: flags → probe.Config → probe.Ping (ended by the first
// unreachable) → check_ping's line → exit code.
func checkPingAction(c *cli.Context) error {
	hosts := hostList(c)
	th := pingThresholds{-1, -1, -1, -1}
	for _, f := range []struct {
		name     string
		rta, pl  *float64
		flagName string
	}{{"w", &th.wrta, &th.wpl, "-w"}, {"c", &th.crta, &th.cpl, "-c"}} {
		if !c.IsSet(f.name) {
			continue
		}
		if err := pingThreshold(c.String(f.name), f.rta, f.pl); err != nil {
			return pluginError(c, fmt.Sprintf("check_ping: %s: Warning threshold must be integer or percentage!", c.String(f.name)),
				"%s %s: %v", f.flagName, c.String(f.name), err)
		}
	}
	switch {
	case len(hosts) == 0:
		return pluginError(c, "check_ping: Could not parse arguments", "no host given (-H HOST)")
	case th.wrta < 0:
		return pluginError(c, "<wrta> was not set", "-w: no round trip average (-w RTA,PL%%)")
	case th.crta < 0:
		return pluginError(c, "<crta> was not set", "-c: no round trip average (-c RTA,PL%%)")
	case th.wpl < 0:
		return pluginError(c, "<wpl> was not set", "-w: no packet loss (-w RTA,PL%%)")
	case th.cpl < 0:
		return pluginError(c, "<cpl> was not set", "-c: no packet loss (-c RTA,PL%%)")
	case th.wrta > th.crta:
		return pluginError(c, fmt.Sprintf("<wrta> (%f) cannot be larger than <crta> (%f)", th.wrta, th.crta),
			"-w %s: the warning RTA exceeds the critical one (-c %s)", c.String("w"), c.String("c"))
	case th.wpl > th.cpl:
		return pluginError(c, fmt.Sprintf("<wpl> (%d) cannot be larger than <cpl> (%d)", int(th.wpl), int(th.cpl)),
			"-w %s: the warning loss exceeds the critical one (-c %s)", c.String("w"), c.String("c"))
	}
	packets := 5
	if c.IsSet("p") {
		if packets = c.Int("p"); packets <= 0 {
			return pluginError(c, fmt.Sprintf("check_ping: <max_packets> (%d) must be a non-negative number", packets),
				"-p %d: want at least 1 packet", packets)
		}
	}
	timeout := 10
	if c.IsSet("t") {
		if timeout = c.Int("t"); timeout <= 0 {
			return pluginError(c, fmt.Sprintf("check_ping: Timeout interval must be a positive integer (%d)", timeout), "-t %d: want a positive number of seconds", timeout)
		}
	}
	// check_ping gives ping at least the time its packets take at the
	// critical RTA, plus a second each.
	timeout = max(timeout, int(th.crta/1000*float64(packets)+float64(packets)))
	targets, err := resolveHosts(c, hosts)
	if err != nil {
		return err
	}
	cfg := probe.DefaultConfig()
	cfg.Count, cfg.Timeout, cfg.Deadline = packets, seconds(timeout), seconds(timeout)
	var unreach string
	alive := -1 // with several hosts: the first to answer
	results, err := runCheck(c, cfg, targets, func(ev probe.Event) bool {
		if len(targets) > 1 && ev.Kind == probe.EventReply && alive < 0 && unreach == "" {
			alive = ev.Target
			return true
		}
		if ev.Kind != probe.EventError || unreach != "" || alive >= 0 {
			return false
		}
		// check_ping reads ping's lines: the first error line it knows
		// ends the check. netdx reads the same words.
		t := targets[ev.Target]
		if s := checkPingScan(icmpmsg.Name(t.addr.Is6(), ev.ErrType, ev.ErrCode)); s != "" {
			unreach = fmt.Sprintf("CRITICAL - %s (%s)", s, t.name)
			return true
		}
		return false
	})
	if err != nil {
		return checkFailure(c, configFlags["ping"].with("probe.Count", "-p", "probe.Timeout", "-t", "probe.Deadline", "-t"), err)
	}
	if unreach != "" {
		fmt.Fprintln(c.App.Writer, unreach)
		return withCode(exitCritical, nil)
	}
	nt := thresholds{warn: threshold{rta: th.wrta, loss: int(th.wpl)}, crit: threshold{rta: th.crta, loss: int(th.cpl)}}
	if alive >= 0 {
		fmt.Fprintf(c.App.Writer, "%s is alive\n", targets[alive].name)
		return nil
	}
	r := results[0]
	fmt.Fprintln(c.App.Writer, nagiosLine(r, nt))
	if c.Bool("v") {
		fmt.Fprintf(c.App.Writer, "%f:%d%% %f:%d%%\n", th.wrta, int(th.wpl), th.crta, int(th.cpl))
	}
	return withCode(nagiosState(r, nt), nil)
}

// pingThreshold reads one of check_ping's thresholds: RTA,PL% (or
// RTA:PL%), RTA alone or PL% alone; it sets what it has.
func pingThreshold(s string, rta, pl *float64) error {
	num := func(v string) (float64, bool) {
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil && f >= 0 && !math.IsInf(f, 0)
	}
	if r, p, ok := strings.Cut(strings.Replace(s, ":", ",", 1), ","); ok {
		rv, ok1 := num(r)
		pv, ok2 := num(strings.TrimSuffix(p, "%"))
		if !ok1 || !ok2 || !strings.HasSuffix(p, "%") || pv > 100 || pv != math.Trunc(pv) {
			return fmt.Errorf("want RTA,PL%% (e.g. 100,20%%)")
		}
		*rta, *pl = rv, pv
		return nil
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		pv, ok := num(p)
		if !ok || pv > 100 || pv != math.Trunc(pv) {
			return fmt.Errorf("want a packet loss percentage")
		}
		*pl = pv
		return nil
	}
	rv, ok := num(s)
	if !ok {
		return fmt.Errorf("want RTA,PL%% (e.g. 100,20%%)")
	}
	*rta = rv
	return nil
}

// checkPingScan is what check_ping concludes from a line of ping's
// output naming an ICMP error (iputils' words, as icmpmsg.Name
// gives them): its status text, or "" when check_ping goes on.
func checkPingScan(line string) string {
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(line, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("Network is unreachable", "Destination Net Unreachable", "No route"):
		return "Network Unreachable"
	case has("Destination Host Unreachable", "Address unreachable"):
		return "Host Unreachable"
	case has("Destination Port Unreachable", "Port unreachable"):
		return "Bogus ICMP: Port Unreachable"
	case has("Destination Protocol Unreachable"):
		return "Bogus ICMP: Protocol Unreachable"
	case has("Destination Net Prohibited"):
		return "Network Prohibited"
	case has("Destination Host Prohibited"):
		return "Host Prohibited"
	case has("Packet filtered", "Administratively prohibited"):
		return "Packet Filtered"
	case has("Time to live exceeded", "Time exceeded"):
		return "Time to live exceeded"
	case has("Destination unreachable: "):
		return "Destination Unreachable"
	}
	return ""
}
