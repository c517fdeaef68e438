package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/diagnose"
	"netdx/link"
	"netdx/sockets"
)

func linkCommand() *cli.Command {
	return &cli.Command{
		Name:      "link",
		Usage:     "interface health: errors, drops, PROMISC flag and promiscuity counter, retransmits, sniffers",
		ArgsUsage: "[IFACE...]",
		Description: "Reads every interface over rtnetlink, the TCP/ICMP counters of /proc/net/snmp and\n" +
			"/proc/net/netstat, and every capture (AF_PACKET) socket with its owner.\n" +
			"Exit 2 (CRITICAL) for a sniffer: a promiscuous capture socket not allowed, or a\n" +
			"promiscuity counter nothing explains; 1 (WARNING) for errors, drops, a link without\n" +
			"carrier, the PROMISC flag or a retransmit ratio above --max-retrans; 0 otherwise.\n" +
			"With --watch --json, one JSON document per line and sample.",
		Flags: []cli.Flag{
			jsonFlag,
			&cli.DurationFlag{Name: "interval", Usage: "sample twice this far apart and show rates (e.g. 1s)"},
			&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "keep sampling every --interval (default 1s) until interrupted"},
			&cli.IntFlag{Name: "top", Value: 5, Usage: "show the N TCP connections with the most retransmits (0: none)"},
			&cli.Float64Flag{Name: "max-retrans", Value: 2, Usage: "retransmit ratio (percent) above which TCP is a WARNING"},
			&cli.StringSliceFlag{Name: "allow-capture", Usage: "process name whose promiscuous capture is expected, e.g. dhclient (repeatable)"},
			&cli.BoolFlag{Name: "no-captures", Usage: "skip capture sockets (and the /proc scan for their owners)"},
			&cli.StringFlag{Name: "netns", Usage: "look inside a network namespace (name under /run/netns, or a path)"},
		},
		Action: linkAction,
	}
}

func linkAction(c *cli.Context) error {
	cfg := link.Config{
		NetNS:          netnsPath(c.String("netns")),
		Interfaces:     c.Args().Slice(),
		Interval:       durationField(c, "interval"),
		Top:            c.Int("top"),
		NoCaptures:     c.Bool("no-captures"),
		AllowedCapture: c.StringSlice("allow-capture"),
	}
	flags := configFlags["link"]
	watch := c.Bool("watch")
	if err := cfg.Validate(watch); err != nil {
		return failure(c, flags, err)
	}
	maxRetrans, err := retransPct(c, "max-retrans")
	if err != nil {
		return failure(c, flags, err)
	}
	maxRetrans /= 100
	if watch {
		return linkWatch(c, cfg, maxRetrans)
	}
	// Interrupted during --interval, Collect samples at once: the rates
	// cover the time sampled.
	snap, err := link.Collect(c.Context, cfg)
	if err != nil {
		return linkError(c, err)
	}
	code := linkCode(snap, maxRetrans)
	if wantJSON(c) {
		if err := writeJSONCompact(c.App.Writer, snap); err != nil {
			return withCode(exitUnknown, err)
		}
		return withCode(code, nil)
	}
	renderLink(c.App.Writer, snap, maxRetrans)
	return withCode(code, nil)
}

// linkWatch prints a sample every interval until interrupted, then exits
// by the worst sample.
func linkWatch(c *cli.Context, cfg link.Config, maxRetrans float64) error {
	code := exitOK
	err := link.Watch(c.Context, cfg, func(s link.Snapshot) error {
		code = max(code, linkCode(s, maxRetrans))
		if wantJSON(c) {
			return json.NewEncoder(c.App.Writer).Encode(s)
		}
		fmt.Fprintf(c.App.Writer, "--- %s\n", s.Time.Format(time.RFC3339))
		renderLink(c.App.Writer, s, maxRetrans)
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

// linkCode maps a snapshot to the Nagios exit code with diagnose's rules,
// so that "netdx link" and "netdx diagnose" agree on what is wrong: a
// sniffer is CRITICAL; errors happening now, a link without carrier, the
// PROMISC flag and retransmits above maxRetrans are WARNING; counters that
// only ever rose since boot are information.
func linkCode(s link.Snapshot, maxRetrans float64) int {
	fs := diagnose.Host(s, sockets.Table{}, diagnose.Config{MaxRetransPct: maxRetrans * 100})
	return diagnose.ExitCode(diagnose.Status(fs, false))
}

// writeJSONCompact writes v as the run's one JSON document without
// indentation: on hosts with thousands of interfaces or sockets, indenting
// costs more than reading the kernel's tables.
func writeJSONCompact(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("netdx: encode json: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
