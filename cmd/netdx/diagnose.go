package main

import (
	"context"

	"github.com/urfave/cli/v2"

	"netdx/check"
	"netdx/diagnose"
	"netdx/dialect/netdx"
	"netdx/internal/namespace"
)

func diagnoseCommand() *cli.Command {
	p, h := check.DefaultPathConfig(), check.DefaultHostConfig()
	return &cli.Command{
		Name:      "diagnose",
		Usage:     "correlate path, interface, sniffer and retransmit evidence into findings",
		ArgsUsage: "[TARGET...]",
		Description: "Checks this host (interfaces sampled over --interval, TCP retransmits, sniffers,\n" +
			"cleartext listeners, gateways) and, for each TARGET at once, the path to it: trace rounds\n" +
			"every --round-interval and an echo stream every --echo-interval for --duration. Loss is\n" +
			"judged with its 95% confidence interval; loss or latency at a hop counts only if it carries\n" +
			"on to the target, otherwise the hop rate-limits its own ICMP. Findings carry their evidence.\n" +
			"Exit: the highest severity found: 0 OK (info only), 1 WARNING, 2 CRITICAL,\n" +
			"3 UNKNOWN (a check could not run, a sample too small to decide, bad input).",
		Flags: append([]cli.Flag{
			jsonFlag,
			&cli.DurationFlag{Name: "interval", Value: h.Interval, Usage: "sample interface and TCP counters this far apart (0: counters since boot)"},
			&cli.DurationFlag{Name: "duration", Value: p.Duration, Usage: "probe each path this long"},
			&cli.DurationFlag{Name: "round-interval", Value: p.RoundInterval, Usage: "time between trace rounds"},
			&cli.DurationFlag{Name: "echo-interval", Value: p.EchoInterval, Usage: "time between echo requests of the loss stream"},
			&cli.BoolFlag{Name: "no-host", Usage: "check only the paths to the targets"},
			&cli.StringFlag{Name: "netns", Usage: "check inside a network namespace (name under /run/netns, or a path)"},
		}, ruleFlags()...),
		Action: diagnoseAction,
	}
}

// diagnoseConfigs are the rules, the host checks and the path checks the
// flags ask for, from the engines' defaults, each validated.
func diagnoseConfigs(c *cli.Context) (rules diagnose.Config, host check.HostConfig, path check.PathConfig, err error) {
	flags := configFlags["diagnose"]
	rules, host, path = rulesConfig(c), check.DefaultHostConfig(), check.DefaultPathConfig()
	if host.AllowedGateways, err = addrsFlag(c, "allow-gateway"); err != nil {
		return
	}
	host.NetNS = namespace.Path(c.String("netns"))
	set(c, "interval", c.Duration, &host.Interval)
	if err = pathTraceFlags(c, flags, &path.Trace); err != nil {
		return
	}
	set(c, "duration", c.Duration, &path.Duration)
	set(c, "round-interval", c.Duration, &path.RoundInterval)
	set(c, "echo-interval", c.Duration, &path.EchoInterval)
	for _, cfg := range []interface{ Validate() error }{rules, host, path} {
		if err = cfg.Validate(); err != nil {
			return rules, host, path, failure(c, flags, err)
		}
	}
	return
}

func diagnoseAction(c *cli.Context) error {
	flags := configFlags["diagnose"]
	rules, host, path, err := diagnoseConfigs(c)
	if err != nil {
		return err
	}
	family, err := addrFamily(c)
	if err != nil {
		return err
	}
	targets, err := argTargets(c, family)
	if err != nil {
		return err
	}
	var src check.Sources
	switch {
	case c.Bool("no-host") && len(targets) == 0:
		return usageError("netdx diagnose: --no-host needs at least one TARGET")
	case host.NetNS != "" && len(targets) > 0:
		return usageError("netdx diagnose: --netns checks the host only; run the path checks with ip netns exec")
	case !c.Bool("no-host"):
		src = check.HostSources(host)
	}
	if len(targets) > 0 {
		src.Path = func(ctx context.Context, t check.Target) (diagnose.PathEvidence, error) {
			return check.Path(ctx, t, path)
		}
	}
	// On SIGINT or SIGTERM the engines return what they measured, and the
	// rules judge that (smaller samples decide less). A setting an engine
	// refuses only once it runs is bad input like any other: one line
	// naming the flag, exit 3, not a report.
	rep, err := check.Run(c.Context, rules, src, targets)
	if err != nil {
		return failure(c, flags, err)
	}
	code := diagnose.ExitCode(rep.Status)
	if wantJSON(c) {
		if err := netdx.WriteJSON(c.App.Writer, rep); err != nil {
			return withCode(exitUnknown, err)
		}
		return withCode(code, nil)
	}
	netdx.Diagnosis(c.App.Writer, rep)
	return withCode(code, nil)
}
