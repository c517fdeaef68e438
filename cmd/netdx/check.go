package main

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/urfave/cli/v2"

	"netdx/probe"
	"netdx/resolver"
)

// The check modes stand in for monitoring-plugins 2.3.3's check_ping and
// check_icmp: their options as they are, their status line and
// performance data byte for byte, their exit codes. Run them as
// "netdx check_ping …", or through a link named check_ping or check_icmp
// (see personality), so that an existing Nagios/Icinga command definition
// only changes its path.
//
// Bad input is a plugin's: the plugin's first line on stdout (what
// Nagios shows), netdx's line naming the flag on stderr, exit 3.

// hostList reads -H (repeatable, comma lists as check_ping takes them)
// and the hosts given as arguments (as both plugins take them).
func hostList(c *cli.Context) []string {
	var hosts []string
	for _, h := range append(c.StringSlice("H"), c.Args().Slice()...) {
		for _, s := range strings.Split(h, ",") {
			if s != "" {
				hosts = append(hosts, s)
			}
		}
	}
	return hosts
}

// pluginError is bad input in a check mode: line on stdout as the plugin
// prints it, netdx's own words on stderr, exit 3.
func pluginError(c *cli.Context, line, format string, a ...any) error {
	fmt.Fprintln(c.App.Writer, line)
	return usageError("netdx "+c.Command.Name+": "+format, a...)
}

// resolveHosts resolves every host once; the first that fails is the
// plugin's "Invalid hostname/address" (check_ping) or "Failed to
// resolve" (check_icmp). Addresses given twice are checked once, as
// check_icmp does.
func resolveHosts(c *cli.Context, hosts []string) ([]probe.Target, error) {
	family, err := addrFamily(c)
	if err != nil {
		return nil, err
	}
	var out []probe.Target
	seen := map[netip.Addr]bool{}
	for _, r := range resolver.All(c.Context, hosts, family) {
		if r.Err != nil {
			line := fmt.Sprintf("check_ping: Invalid hostname/address - %s", r.Name)
			if c.Command.Name == "check_icmp" {
				line = fmt.Sprintf("check_icmp: Failed to resolve %s: %v", r.Name, r.Err)
			}
			return nil, pluginError(c, line, "-H %s: %v", r.Name, r.Err)
		}
		if !seen[r.Addr] {
			seen[r.Addr] = true
			out = append(out, probe.Target{Name: r.Name, Addr: r.Addr})
		}
	}
	return out, nil
}

// runCheck pings targets with cfg; stop, called from the engine's loop
// with each event, ends the run at once when it returns true (the
// plugin's run decided).
func runCheck(c *cli.Context, cfg probe.Config, targets []probe.Target, stop func(probe.Event) bool) ([]probe.Result, error) {
	ctx, cancel := context.WithCancel(c.Context)
	defer cancel()
	cfg.OnReady = dropCaps(c.App.ErrWriter, c.Command.Name)
	cfg.OnEvent = func(ev probe.Event) {
		if ev.Kind == probe.EventSendError {
			fmt.Fprintf(c.App.ErrWriter, "netdx %s: %s: %s\n", c.Command.Name, targets[ev.Target].Name, ev.Reason)
		}
		if stop(ev) {
			cancel()
		}
	}
	return probe.Ping(ctx, cfg, targets)
}

// checkFailure is an engine's refusal or failure in a check mode: the
// plugin's way on stdout (its name, then why), netdx's line on stderr.
func checkFailure(c *cli.Context, flags fieldFlags, err error) error {
	err = failure(c, flags, err)
	msg := strings.TrimPrefix(err.Error(), "netdx "+c.Command.Name+": ")
	fmt.Fprintf(c.App.Writer, "%s: %s\n", c.Command.Name, msg)
	return err
}
