package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"netdx/diagnose"
	"netdx/dialect/netdx"
	"netdx/internal/namespace"
	"netdx/sockets"
)

func socketsCommand() *cli.Command {
	d, rules := sockets.DefaultConfig(), diagnose.DefaultConfig()
	return &cli.Command{
		Name:  "sockets",
		Usage: "who listens: TCP/UDP sockets with owners, cleartext services, state counts, gateways",
		Description: "Lists listeners (TCP LISTEN, unconnected UDP) by default, every socket with --all.\n" +
			"Lines marked \"!\" are the findings of \"netdx diagnose\", and the exit code follows\n" +
			"them: 2 (CRITICAL) for a process whose executable was deleted from a temporary\n" +
			"folder, a TIME_WAIT pile-up that exhausts the local ports, an unexpected default\n" +
			"gateway or (with --capture) a socket capturing in promiscuous mode; 1 (WARNING)\n" +
			"for a cleartext service reachable from the network, a TIME_WAIT pile-up, another\n" +
			"deleted executable or unexpected gateway; 0 otherwise; 3 on bad input or errors.",
		Flags: []cli.Flag{
			jsonFlag,
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "every state, not only listeners"},
			&cli.StringFlag{Name: "proto", Usage: "tcp or udp", DefaultText: strings.Join(d.Protos, " and ")},
			&cli.IntSliceFlag{Name: "port", Usage: "keep sockets with this local or remote port (repeatable)"},
			&cli.IntSliceFlag{Name: "pid", Usage: "keep sockets held by this process (repeatable; implies --processes)"},
			&cli.StringSliceFlag{Name: "state", Usage: "keep sockets in this state: LISTEN, ESTABLISHED, TIME_WAIT, UNCONN, … (repeatable)"},
			&cli.BoolFlag{Name: "processes", Aliases: []string{"p"}, Usage: "show the owning process (one /proc/*/fd scan; root sees all)"},
			&cli.BoolFlag{Name: "info", Aliases: []string{"i"}, Usage: "TCP internals: RTT and retransmits from tcp_info"},
			&cli.BoolFlag{Name: "routes", Aliases: []string{"r"}, Usage: "list default gateways and routes via gateways"},
			&cli.StringSliceFlag{Name: "allow-gateway", Usage: "an expected gateway address; others are flagged (repeatable, implies --routes)"},
			&cli.BoolFlag{Name: "capture", Usage: "also list packet (capture) sockets: who sniffs, on which interface, promiscuous or not"},
			&cli.IntFlag{Name: "time-wait-pileup", Value: rules.TimeWaitPileup, Usage: "TIME_WAIT count named as a pile-up"},
			&cli.StringFlag{Name: "netns", Usage: "look inside a network namespace (name under /run/netns, or a path)"},
		},
		Action: socketsAction,
	}
}

func socketsAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageError("netdx sockets: unexpected argument %q (filters are flags: --port, --pid, --state, --proto)", c.Args().First())
	}
	cfg, rules, err := socketsConfigs(c)
	if err != nil {
		return err
	}
	// The table is one snapshot: a signal while the kernel dumps it lets
	// the dump finish (it takes a fraction of a second), then netdx prints
	// it and exits by what it shows.
	t, err := sockets.List(context.WithoutCancel(c.Context), cfg)
	if err != nil {
		return failure(c, configFlags["sockets"], err)
	}
	rep := diagnose.ReadSockets(t, rules)
	code := diagnose.ExitCode(rep.Status)
	if wantJSON(c) {
		if err := netdx.WriteCompactJSON(c.App.Writer, rep); err != nil {
			return withCode(exitUnknown, err)
		}
		return withCode(code, nil)
	}
	netdx.Sockets(c.App.Writer, rep, cfg)
	if t.Owners != nil && t.Owners.Unreadable > 0 && os.Geteuid() != 0 {
		fmt.Fprintf(c.App.ErrWriter, "netdx sockets: the owners of %d socket(s) could not be seen: %d processes of other users are not readable (run as root, or grant CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH)\n",
			t.Owners.Unowned, t.Owners.Unreadable)
	}
	return withCode(code, nil)
}

// socketsConfigs are the engine's config and the rules the flags ask for,
// from their defaults, each validated.
func socketsConfigs(c *cli.Context) (sockets.Config, diagnose.Config, error) {
	cfg, rules := sockets.DefaultConfig(), diagnose.DefaultConfig()
	cfg.NetNS, cfg.All, cfg.States, cfg.PIDs = namespace.Path(c.String("netns")), c.Bool("all"), upper(c.StringSlice("state")), c.IntSlice("pid")
	cfg.Owners, cfg.TCPInfo, cfg.Capture = c.Bool("processes"), c.Bool("info"), c.Bool("capture")
	cfg.Routes = c.Bool("routes") || len(c.StringSlice("allow-gateway")) > 0
	cfg.All = cfg.All || len(cfg.States) > 0
	if c.IsSet("proto") {
		cfg.Protos = []string{strings.ToLower(c.String("proto"))}
	}
	set(c, "time-wait-pileup", c.Int, &rules.TimeWaitPileup)
	for _, p := range c.IntSlice("port") {
		if p < 0 || p > 65535 {
			return cfg, rules, usageError("netdx sockets: --port %d: not a port number (0..65535)", p)
		}
		cfg.Ports = append(cfg.Ports, uint16(p))
	}
	var err error
	if cfg.AllowedGateways, err = addrsFlag(c, "allow-gateway"); err != nil {
		return cfg, rules, err
	}
	if err = cfg.Validate(); err == nil {
		err = rules.Validate()
	}
	return cfg, rules, failure(c, configFlags["sockets"], err)
}

func upper(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(strings.ReplaceAll(s, "-", "_"))
	}
	return out
}
