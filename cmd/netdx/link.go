package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/check"
	"netdx/diagnose"
	"netdx/dialect/netdx"
	"netdx/internal/namespace"
	"netdx/link"
)

func linkCommand() *cli.Command {
	d, rules := check.DefaultLinkConfig(), diagnose.DefaultConfig()
	return &cli.Command{
		Name:      "link",
		Usage:     "interface health: errors, drops, PROMISC flag and promiscuity counter, retransmits, sniffers",
		ArgsUsage: "[IFACE...]",
		Description: "Reads every interface over rtnetlink, the TCP/ICMP counters of /proc/net/snmp and\n" +
			"/proc/net/netstat, and every capture (AF_PACKET) socket with its owner. Lines\n" +
			"marked \"!\" are the findings of \"netdx diagnose\", and the exit code follows them:\n" +
			"2 (CRITICAL) for a sniffer: a promiscuous capture socket not allowed, or a\n" +
			"promiscuity counter nothing explains; 1 (WARNING) for errors or drops over\n" +
			"--interval, a link without carrier or flapping, the PROMISC flag or a retransmit\n" +
			"ratio above --max-retrans; 0 otherwise (counts since boot are information).\n" +
			"With --watch --json, one JSON document per line and sample.",
		Flags: []cli.Flag{
			jsonFlag,
			&cli.DurationFlag{Name: "interval", Usage: "sample twice this far apart and show rates (e.g. 1s)"},
			&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: fmt.Sprintf("keep sampling every --interval (default %v) until interrupted", link.DefaultWatchConfig().Interval)},
			&cli.IntFlag{Name: "top", Value: d.Top, Usage: "show the N TCP connections with the most retransmits (0: none)"},
			&cli.Float64Flag{Name: "max-retrans", Value: rules.MaxRetransPct, Usage: "retransmit ratio (percent) above which TCP is a WARNING"},
			&cli.StringSliceFlag{Name: "allow-capture", Usage: "process name whose promiscuous capture is expected, e.g. dhclient (repeatable)"},
			&cli.BoolFlag{Name: "no-captures", Usage: "skip capture sockets (and the /proc scan for their owners)"},
			&cli.StringFlag{Name: "netns", Usage: "look inside a network namespace (name under /run/netns, or a path)"},
		},
		Action: linkAction,
	}
}

// linkConfigs are the engine's config and the rules the flags ask for,
// from their defaults (--watch's for the engine), each validated.
func linkConfigs(c *cli.Context) (check.LinkConfig, diagnose.Config, error) {
	watch := c.Bool("watch")
	cfg := check.DefaultLinkConfig()
	if watch {
		cfg.Link = link.DefaultWatchConfig()
	}
	cfg.Link.NetNS, cfg.Link.Interfaces, cfg.NoCaptures = namespace.Path(c.String("netns")), c.Args().Slice(), c.Bool("no-captures")
	set(c, "interval", c.Duration, &cfg.Link.Interval)
	set(c, "top", c.Int, &cfg.Top)
	rules := diagnose.DefaultConfig()
	set(c, "max-retrans", c.Float64, &rules.MaxRetransPct)
	set(c, "allow-capture", c.StringSlice, &rules.AllowedCapture)
	err := cfg.Validate(watch)
	if err == nil {
		err = rules.Validate()
	}
	return cfg, rules, failure(c, configFlags["link"], err)
}

func linkAction(c *cli.Context) error {
	cfg, rules, err := linkConfigs(c)
	if err != nil {
		return err
	}
	if c.Bool("watch") {
		return linkWatch(c, cfg, rules)
	}
	// Interrupted during --interval, the link check samples at once: the
	// rates cover the time sampled.
	snap, err := check.Link(c.Context, cfg)
	if err != nil {
		return linkError(c, err)
	}
	rep := diagnose.ReadLink(snap, rules)
	if wantJSON(c) {
		if err := netdx.WriteCompactJSON(c.App.Writer, rep); err != nil {
			return withCode(exitUnknown, err)
		}
		return withCode(diagnose.ExitCode(rep.Status), nil)
	}
	netdx.Link(c.App.Writer, rep)
	return withCode(diagnose.ExitCode(rep.Status), nil)
}

// linkWatch prints a sample every interval until interrupted, then exits
// by the worst sample.
func linkWatch(c *cli.Context, cfg check.LinkConfig, rules diagnose.Config) error {
	code := exitOK
	err := check.WatchLink(c.Context, cfg, func(s diagnose.LinkEvidence) error {
		rep := diagnose.ReadLink(s, rules)
		code = max(code, diagnose.ExitCode(rep.Status))
		if wantJSON(c) {
			return json.NewEncoder(c.App.Writer).Encode(rep)
		}
		fmt.Fprintf(c.App.Writer, "--- %s\n", s.Time.Format(time.RFC3339))
		netdx.Link(c.App.Writer, rep)
		return nil
	})
	if err != nil {
		return linkError(c, err)
	}
	return withCode(code, nil)
}

func linkError(c *cli.Context, err error) error {
	return failure(c, configFlags["link"], err)
}
