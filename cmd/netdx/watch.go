package main

import (
	"context"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"os"

	"github.com/urfave/cli/v2"

	"netdx/check"
	"netdx/diagnose"
	"netdx/internal/namespace"
	"netdx/resolver"
	"netdx/watch"
	"netdx/watch/audit"
	"netdx/watch/daemon"
	"netdx/watch/metrics"
)

var _ configError = (*watch.ConfigError)(nil)

// watchFlags maps the fields of the configs watch builds: diagnose's, its
// own and its sinks'.
var watchFlags = func() fieldFlags {
	f := configFlags["diagnose"].with(
		"watch.Interval", "--interval", "check.EchoInterval", "--echo-interval", "check.EchoTimeout", "--echo-timeout",
		"check.Window", "--window", "watch.Window", "--window", "watch.MinSample", "--min-sample",
		"watch.PathInterval", "--path-interval", "watch.Duration", "--path-interval", "watch.RaiseAfter", "--raise-after",
		"watch.ClearAfter", "--clear-after", "watch.RoundEvery", "--journal-rounds", "watch.SnapshotRTT", "--snapshot-rtt",
		"watch.SnapshotLossPct", "--snapshot-loss", "watch.SnapshotGap", "--snapshot-gap", "watch.Targets", "TARGET")
	maps.Copy(f, sinkFields())
	return f
}()

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
		Flags: append(append(watchCheckFlags(), sinkFlags()...), endpointFlags()...),
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
	d := watch.DefaultConfig()
	return append([]cli.Flag{
		jsonFlag,
		&cli.DurationFlag{Name: "interval", Value: d.Interval, Usage: "judge the evidence and sample this host this often"},
		&cli.DurationFlag{Name: "echo-interval", Usage: "time between two echo requests to a target", DefaultText: "--interval"},
		&cli.DurationFlag{Name: "echo-timeout", Value: d.Echo.Timeout, Usage: "wait this long for an echo reply"},
		&cli.IntFlag{Name: "window", Value: d.Echo.Window, Usage: "echo outcomes of each target the rules read"},
		&cli.IntFlag{Name: "min-sample", Value: d.MinSample, Usage: "echo outcomes a target needs before its path is judged"},
		&cli.DurationFlag{Name: "path-interval", Value: d.PathInterval, Usage: "trace each path this often (0: never)"},
		&cli.BoolFlag{Name: "no-host", Usage: "watch only the paths to the targets"},
		&cli.BoolFlag{Name: "audit", Usage: "record new TCP listeners and inbound connections (the connection audit)"},
		&cli.StringFlag{Name: "netns", Usage: "check the host inside a network namespace (name under /run/netns, or a path)"},
		&cli.IntFlag{Name: "raise-after", Value: d.RaiseAfter, Usage: "raise a finding found this many evaluations in a row"},
		&cli.IntFlag{Name: "clear-after", Value: d.ClearAfter, Usage: "clear a finding absent this many evaluations in a row"},
		&cli.BoolFlag{Name: "raise-info", Usage: "raise information findings too (default: warnings and criticals)"},
		&cli.DurationFlag{Name: "snapshot-rtt", Usage: "snapshot a trace and the sockets into the sinks when a target's median RTT goes above this (the manual's 50ms)",
			DefaultText: defaultText(d.Snapshot.MaxRTT, diagnose.NoMaxRTT, "none")},
		&cli.Float64Flag{Name: "snapshot-loss", Usage: "snapshot when a target's loss goes above this `PERCENT` (the manual's 0.1)",
			DefaultText: defaultText(d.Snapshot.MaxLossPct, watch.NoMaxLossPct, "none")},
		&cli.DurationFlag{Name: "snapshot-gap", Value: d.Snapshot.Gap, Usage: "least time between two snapshots of a target"},
	}, ruleFlags()...)
}

// watchConfig turns the flags into the watch's config, from its defaults;
// every field is validated by the engines, which name the field, mapped
// here to its flag.
func watchConfig(c *cli.Context) (watch.Config, error) {
	cfg := watch.DefaultConfig()
	gws, err := addrsFlag(c, "allow-gateway")
	if err != nil {
		return cfg, err
	}
	family, err := addrFamily(c)
	if err != nil {
		return cfg, err
	}
	if c.IsSet("interval") {
		cfg = cfg.Paced(c.Duration("interval"))
	}
	set(c, "echo-interval", c.Duration, &cfg.Echo.Interval)
	set(c, "echo-timeout", c.Duration, &cfg.Echo.Timeout)
	set(c, "window", c.Int, &cfg.Echo.Window)
	set(c, "min-sample", c.Int, &cfg.MinSample)
	set(c, "path-interval", c.Duration, &cfg.PathInterval)
	if err := pathTraceFlags(c, watchFlags, &cfg.Path.Trace); err != nil {
		return cfg, err
	}
	cfg.Rules = rulesConfig(c)
	set(c, "raise-after", c.Int, &cfg.RaiseAfter)
	set(c, "clear-after", c.Int, &cfg.ClearAfter)
	cfg.RaiseInfo = c.Bool("raise-info")
	set(c, "journal-rounds", c.Duration, &cfg.RoundEvery)
	set(c, "snapshot-rtt", c.Duration, &cfg.Snapshot.MaxRTT)
	set(c, "snapshot-loss", c.Float64, &cfg.Snapshot.MaxLossPct)
	set(c, "snapshot-gap", c.Duration, &cfg.Snapshot.Gap)
	cfg.Snapshot.Trace.Protocol, cfg.Snapshot.Trace.Port = cfg.Path.Trace.Protocol, cfg.Path.Trace.Port
	cfg.Logger = logger(c)
	if err := watchHost(c, gws, &cfg); err != nil {
		return cfg, err
	}
	// Everything but the targets first: bad input is refused before any
	// name is looked up.
	if err := cfg.Validate(); err != nil && c.NArg() == 0 {
		return cfg, failure(c, watchFlags, err)
	}
	if cfg.Targets, err = argTargets(c, family); err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, failure(c, watchFlags, err)
	}
	return cfg, nil
}

// watchHost sets what the watch checks of the host: the host checks (but
// with --no-host), inside --netns, and the connection audit.
func watchHost(c *cli.Context, gws []netip.Addr, cfg *watch.Config) error {
	netns := namespace.Path(c.String("netns"))
	switch {
	case c.Bool("no-host") && c.NArg() == 0:
		return usageError("netdx watch: --no-host needs at least one TARGET")
	case netns != "" && c.NArg() > 0:
		return usageError("netdx watch: --netns checks the host only; run the path checks with ip netns exec")
	case !c.Bool("no-host"):
		host := check.DefaultHostConfig()
		host.NetNS, host.AllowedGateways = netns, gws
		cfg.Host = &host
	}
	if c.Bool("audit") {
		cfg.Audit = &audit.Config{NetNS: netns}
	}
	return nil
}

// endpointFlags are the flags of the /metrics and /probe endpoint.
func endpointFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "listen", Usage: "serve /metrics and /probe for Prometheus on `ADDR` (host:port)"},
		&cli.StringSliceFlag{Name: "probe-allow", Usage: "answer /probe only for targets in these `PREFIXES` (198.18.0.0/15, 2001:db8::/32; an address is its own prefix; default: any)"},
	}
}

// runWatch: the sinks' and the endpoint's flags → daemon.Config →
// daemon.Run → exit code.
func runWatch(c *cli.Context, cfg watch.Config) error {
	allow, err := prefixesFlag(c, "probe-allow")
	if err != nil {
		return err
	}
	addr := c.String("listen")
	if len(allow) > 0 && addr == "" {
		return usageError("netdx watch: --probe-allow limits /probe, which needs --listen")
	}
	cfg.Hostname, _ = os.Hostname()
	outs, err := sinkOutputs(c, sinkEnv{host: cfg.Hostname, log: cfg.Logger})
	if err != nil {
		return err
	}
	dc := daemon.Config{Watch: cfg, Outputs: outs, Probe: metrics.DefaultProbeConfig()}
	if addr != "" {
		if dc.Listener, err = net.Listen("tcp", addr); err != nil {
			return usageError("netdx watch: --listen %s: %v", addr, err)
		}
	}
	family, _ := addrFamily(c)
	dc.Probe.Allow = allow
	dc.Probe.Resolve = func(ctx context.Context, name string) (netip.Addr, error) { return resolver.Resolve(ctx, name, family) }
	return failure(c, watchFlags, daemon.Run(c.Context, dc))
}

// logger is the watch's log: text lines on stderr.
func logger(c *cli.Context) *slog.Logger {
	return slog.New(slog.NewTextHandler(c.App.ErrWriter, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
