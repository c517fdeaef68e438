package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/diagnose"
	"netdx/link"
	"netdx/sockets"
	"netdx/trace"
)

func diagnoseCommand() *cli.Command {
	return &cli.Command{
		Name:      "diagnose",
		Usage:     "correlate path, interface, sniffer and retransmit evidence into findings",
		ArgsUsage: "[TARGET...]",
		Description: "Checks this host (interfaces sampled over --interval, TCP retransmits, sniffers,\n" +
			"cleartext listeners, gateways) and, for each TARGET, the path to it (mtr-style rounds):\n" +
			"loss or latency at a hop counts only if it carries on to the target; otherwise the hop\n" +
			"rate-limits its own ICMP. Findings carry their evidence.\n" +
			"Exit: the highest severity found: 0 OK (info only), 1 WARNING, 2 CRITICAL,\n" +
			"3 UNKNOWN (a check could not run, bad input).",
		Flags: []cli.Flag{
			jsonFlag,
			&cli.DurationFlag{Name: "interval", Value: time.Second, Usage: "sample interface and TCP counters this far apart (0: counters since boot)"},
			&cli.IntFlag{Name: "c", Aliases: []string{"rounds"}, Value: 10, Usage: "`N` trace rounds per target"},
			&cli.DurationFlag{Name: "round-interval", Value: 200 * time.Millisecond, Usage: "time between trace rounds"},
			&cli.StringFlag{Name: "P", Aliases: []string{"protocol"}, Value: "icmp", Usage: "trace `PROTOCOL`: icmp (targets do not rate-limit echo replies), udp or tcp"},
			&cli.IntFlag{Name: "m", Aliases: []string{"max-ttl"}, Value: 30, Usage: "max `TTL`"},
			&cli.DurationFlag{Name: "max-rtt", Usage: "a latency jump is a WARNING when the target's RTT is above this"},
			&cli.Float64Flag{Name: "max-loss", Usage: "real loss to a target above this `PERCENT` is a WARNING (default: any)"},
			&cli.DurationFlag{Name: "jump", Value: 10 * time.Millisecond, Usage: "smallest latency step between hops reported"},
			&cli.Float64Flag{Name: "max-retrans", Value: 2, Usage: "TCP retransmit `PERCENT` above which it is a WARNING"},
			&cli.StringSliceFlag{Name: "allow-capture", Usage: "process name whose promiscuous capture is expected, e.g. dhclient (repeatable)"},
			&cli.StringSliceFlag{Name: "allow-gateway", Usage: "an expected gateway; routes via others are flagged (repeatable)"},
			&cli.BoolFlag{Name: "no-host", Usage: "check only the paths to the targets"},
			&cli.BoolFlag{Name: "4", Usage: "resolve targets to IPv4"},
			&cli.BoolFlag{Name: "6", Usage: "resolve targets to IPv6"},
			&cli.StringFlag{Name: "netns", Usage: "check inside a network namespace (name under /run/netns, or a path)"},
		},
		Action: diagnoseAction,
	}
}

func diagnoseAction(c *cli.Context) error {
	cfg := diagnose.Config{
		MaxRTT:        c.Duration("max-rtt"),
		MaxLossPct:    c.Float64("max-loss"),
		Jump:          c.Duration("jump"),
		MaxRetransPct: c.Float64("max-retrans"),
	}
	cfg.AllowedCapture = c.StringSlice("allow-capture")
	if cfg.MaxRTT < 0 || cfg.MaxLossPct < 0 || cfg.Jump < 0 || cfg.MaxRetransPct < 0 || c.Duration("interval") < 0 {
		return usageError("netdx diagnose: thresholds and intervals must not be negative")
	}
	if c.Int("c") < 1 {
		return usageError("netdx diagnose: -c must be at least 1")
	}
	var gws []netip.Addr
	for _, g := range c.StringSlice("allow-gateway") {
		a, err := netip.ParseAddr(g)
		if err != nil {
			return usageError("netdx diagnose: --allow-gateway %q is not an address", g)
		}
		gws = append(gws, a)
	}
	family := "ip"
	switch {
	case c.Bool("4") && c.Bool("6"):
		return usageError("netdx diagnose: -4 and -6 exclude each other")
	case c.Bool("4"):
		family = "ip4"
	case c.Bool("6"):
		family = "ip6"
	}
	// Names resolve once, up front: one that does not is bad input.
	names := c.Args().Slice()
	addrs := map[string]netip.Addr{}
	for _, n := range names {
		a, err := resolve(c.Context, n, family)
		if err != nil {
			return usageError("netdx diagnose: %s: %v", n, err)
		}
		addrs[n] = a
	}
	if c.Bool("no-host") && len(names) == 0 {
		return usageError("netdx diagnose: --no-host needs at least one TARGET")
	}

	ns := netnsPath(c.String("netns"))
	var src diagnose.Sources
	if !c.Bool("no-host") {
		src.Link = func(ctx context.Context) (link.Snapshot, error) {
			return link.Collect(ctx, link.Config{NetNS: ns, Interval: c.Duration("interval")})
		}
		src.Sockets = func(ctx context.Context) (sockets.Table, error) {
			return sockets.List(ctx, sockets.Config{NetNS: ns, Owners: true, Routes: true, AllowedGateways: gws})
		}
	}
	if len(names) > 0 {
		if ns != "" {
			return usageError("netdx diagnose: --netns checks the host only; run the path checks with ip netns exec")
		}
		tcfg := trace.Config{Protocol: c.String("P"), MaxTTL: c.Int("m"), Wait: 2 * time.Second}
		src.Trace = func(ctx context.Context, name string) (trace.Report, error) {
			rep, err := trace.RunReport(ctx, addrs[name], tcfg, c.Int("c"), c.Duration("round-interval"))
			rep.Target = name
			return rep, err
		}
	}
	rep := diagnose.Run(c.Context, cfg, src, names)
	code := diagnose.ExitCode(rep.Status)
	if wantJSON(c) {
		if err := writeJSON(c.App.Writer, rep); err != nil {
			return withCode(exitUnknown, err)
		}
		return withCode(code, nil)
	}
	renderDiagnosis(c.App.Writer, rep)
	return withCode(code, nil)
}

// renderDiagnosis prints the status line, then one line per finding, most
// severe first, then the checks that failed.
func renderDiagnosis(w io.Writer, rep diagnose.Report) {
	fmt.Fprintf(w, "netdx diagnose: %s (%s)\n", strings.ToUpper(rep.Status.String()), diagnose.Counts(rep.Findings))
	for _, f := range rep.Findings {
		where := f.Interface
		if f.Hop > 0 {
			where = fmt.Sprintf("%s hop %d", f.Target, f.Hop)
		} else if f.Target != "" {
			where = f.Target
		}
		if where != "" {
			where = " [" + where + "]"
		}
		fmt.Fprintf(w, "%-8s %s%s: %s\n", strings.ToUpper(f.Severity.String()), f.Kind, where, f.Summary)
	}
	for _, ch := range rep.Checks {
		what := ch.Name
		if ch.Target != "" {
			what += " " + ch.Target
		}
		if !ch.OK {
			fmt.Fprintf(w, "UNKNOWN  %s could not run: %s\n", what, ch.Error)
			continue
		}
		fmt.Fprintf(w, "checked  %s: %s\n", what, ch.Summary)
	}
}
