package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"netdx/check"
	"netdx/trace"
	"netdx/watch"
	"netdx/watch/audit"
)

var _ configError = (*watch.ConfigError)(nil)

// watchFlags maps the fields of the configs watch builds: diagnose's and
// its own.
var watchFlags = configFlags["diagnose"].with(
	"Interval", "--interval", "EchoInterval", "--echo-interval", "EchoTimeout", "--echo-timeout", "Window", "--window",
	"MinSample", "--min-sample", "PathInterval", "--path-interval", "Duration", "--path-interval",
	"RaiseAfter", "--raise-after", "ClearAfter", "--clear-after", "RoundEvery", "--journal-rounds",
	"SnapshotRTT", "--snapshot-rtt", "SnapshotLossPct", "--snapshot-loss", "SnapshotGap", "--snapshot-gap",
	"Targets", "TARGET")

func watchCommand() *cli.Command {
	return &cli.Command{
		Name:      "watch",
		Usage:     "run the checks continuously with a journal, Prometheus metrics and syslog",
		ArgsUsage: "[TARGET...]",
		Description: "Keeps an echo stream to every TARGET (one socket per address family), traces each path every\n" +
			"--path-interval, samples this host every --interval, and judges all of it with diagnose's rules\n" +
			"every --interval. A finding is raised when the rules find it --raise-after evaluations in a row\n" +
			"with a sample that decides, and cleared after --clear-after clean ones. Records (rounds, raised\n" +
			"and cleared findings, audit events, snapshots) go to --journal, --syslog and --on-finding;\n" +
			"--listen serves /metrics and /probe for Prometheus. SIGHUP reopens the journal; SIGINT or\n" +
			"SIGTERM flush everything and exit 0 (3 if something failed).",
		Flags: append(watchCheckFlags(), watchSinkFlags()...),
		Action: func(c *cli.Context) error {
			cfg, err := watchConfig(c)
			if err != nil {
				return err
			}
			return runWatch(c, cfg)
		},
	}
}

func watchCheckFlags() []cli.Flag {
	return append([]cli.Flag{
		jsonFlag,
		&cli.DurationFlag{Name: "interval", Value: watch.DefaultInterval, Usage: "judge the evidence and sample this host this often"},
		&cli.DurationFlag{Name: "echo-interval", Usage: "time between two echo requests to a target (default: --interval)"},
		&cli.DurationFlag{Name: "echo-timeout", Value: 2 * time.Second, Usage: "wait this long for an echo reply"},
		&cli.IntFlag{Name: "window", Value: check.DefaultEchoWindow, Usage: "echo outcomes of each target the rules read"},
		&cli.IntFlag{Name: "min-sample", Value: watch.DefaultMinSample, Usage: "echo outcomes a target needs before its path is judged"},
		&cli.DurationFlag{Name: "path-interval", Value: watch.DefaultPathInterval, Usage: "trace each path this often (0: never)"},
		&cli.BoolFlag{Name: "no-host", Usage: "watch only the paths to the targets"},
		&cli.BoolFlag{Name: "audit", Usage: "record new TCP listeners and inbound connections (the connection audit)"},
		&cli.StringFlag{Name: "netns", Usage: "check the host inside a network namespace (name under /run/netns, or a path)"},
		&cli.IntFlag{Name: "raise-after", Value: watch.DefaultRaiseAfter, Usage: "raise a finding found this many evaluations in a row"},
		&cli.IntFlag{Name: "clear-after", Value: watch.DefaultClearAfter, Usage: "clear a finding absent this many evaluations in a row"},
		&cli.BoolFlag{Name: "raise-info", Usage: "raise information findings too (default: warnings and criticals)"},
		&cli.DurationFlag{Name: "snapshot-rtt", Usage: "snapshot a trace and the sockets into the sinks when a target's median RTT goes above this (the manual's 50ms)"},
		&cli.Float64Flag{Name: "snapshot-loss", Usage: "snapshot when a target's loss goes above this `PERCENT` (the manual's 0.1)"},
		&cli.DurationFlag{Name: "snapshot-gap", Value: watch.DefaultSnapshotGap, Usage: "least time between two snapshots of a target"},
	}, ruleFlags()...)
}

// watchConfig turns the flags into the watch's config; every field is
// validated by the engines, which name the field, mapped here to its flag.
func watchConfig(c *cli.Context) (watch.Config, error) {
	rules := rulesConfig(c)
	gws, err := addrsFlag(c, "allow-gateway")
	if err != nil {
		return watch.Config{}, err
	}
	family, err := addrFamily(c)
	if err != nil {
		return watch.Config{}, err
	}
	cfg := watch.Config{
		Interval:     durationField(c, "interval"),
		Echo:         check.EchoConfig{Interval: durationField(c, "echo-interval"), Timeout: durationField(c, "echo-timeout"), Window: intField(c, "window")},
		MinSample:    intField(c, "min-sample"),
		PathInterval: durationField(c, "path-interval"),
		Path:         check.PathConfig{Trace: trace.Config{MaxTTL: intField(c, "m")}},
		Rules:        rules,
		RaiseAfter:   intField(c, "raise-after"),
		ClearAfter:   intField(c, "clear-after"),
		RaiseInfo:    c.Bool("raise-info"),
		RoundEvery:   durationField(c, "journal-rounds"),
		Snapshot: watch.SnapshotConfig{MaxRTT: durationField(c, "snapshot-rtt"), MaxLossPct: floatField(c, "snapshot-loss"),
			Gap: durationField(c, "snapshot-gap")},
		Logger: logger(c),
	}
	if cfg.Path.Trace.Protocol, err = protocolFlag(c, watchFlags); err != nil {
		return cfg, err
	}
	cfg.Snapshot.Trace.Protocol = cfg.Path.Trace.Protocol
	netns := netnsPath(c.String("netns"))
	switch {
	case c.Bool("no-host") && c.NArg() == 0:
		return cfg, usageError("netdx watch: --no-host needs at least one TARGET")
	case netns != "" && c.NArg() > 0:
		return cfg, usageError("netdx watch: --netns checks the host only; run the path checks with ip netns exec")
	case !c.Bool("no-host"):
		cfg.Host = &check.HostConfig{NetNS: netns, AllowedGateways: gws}
	}
	if c.Bool("audit") {
		cfg.Audit = &audit.Config{NetNS: netns}
	}
	// Everything but the targets first: bad input is refused before any
	// name is looked up.
	if err := cfg.Validate(); err != nil && c.NArg() == 0 {
		return cfg, failure(c, watchFlags, err)
	}
	for _, n := range c.Args().Slice() {
		a, err := resolve(c.Context, n, family)
		if err != nil {
			return cfg, usageError("netdx watch: %s: %v", n, err)
		}
		cfg.Targets = append(cfg.Targets, check.Target{Name: n, Addr: a})
	}
	if err := cfg.Validate(); err != nil {
		return cfg, failure(c, watchFlags, err)
	}
	return cfg, nil
}
