package main

import (
	"net/netip"
	"strconv"

	"github.com/urfave/cli/v2"

	"netdx/dialect/nagios"
	"netdx/probe"
)

// pingConfig turns ping's iputils-style flags into the engine's config,
// from its defaults (iputils'). It parses; the engine validates
// (probe.Config.Validate). In threshold mode -c and -w are check_ping's
// (thresholdFlags) and the count is -p.
func pingConfig(c *cli.Context, thresholdMode bool) (probe.Config, error) {
	cfg := probe.DefaultConfig()
	set(c, "s", c.Int, &cfg.Size)
	set(c, "t", c.Int, &cfg.TTL)
	set(c, "rate", c.Float64, &cfg.Rate)
	for _, f := range fpingOnly {
		if c.IsSet(f) {
			return cfg, usageError("netdx ping: %s is fping's flag: give -C COUNT (or run netdx as fping) for fping's flags", dashed(f))
		}
	}
	var err error
	if thresholdMode {
		cfg.Count = nagios.PingPackets
		set(c, "p", c.Int, &cfg.Count)
	} else {
		if c.IsSet("c") {
			if cfg.Count, err = strconv.Atoi(c.String("c")); err != nil {
				return cfg, usageError("netdx ping: -c %s: want a count or RTA,LOSS%% (with -w RTA,LOSS%%)", c.String("c"))
			}
		}
		if c.IsSet("w") {
			if cfg.Deadline, err = parseSeconds(c, "w", c.String("w")); err != nil {
				return cfg, err
			}
		}
		// iputils: with a deadline, -c is the answers to wait for.
		cfg.CountAnswers = c.IsSet("c") && cfg.Deadline > 0
	}
	if c.IsSet("i") {
		if cfg.Interval, err = parseSeconds(c, "i", c.String("i")); err != nil {
			return cfg, err
		}
	}
	if c.IsSet("W") {
		if cfg.Timeout, err = parseSeconds(c, "W", c.String("W")); err != nil {
			return cfg, err
		}
	}
	if err := tosFlag(c, "Q", &cfg.TOS); err != nil {
		return cfg, err
	}
	switch m := c.String("M"); m {
	case "":
	case "do":
		cfg.DontFragment = true
	case "dont":
		cfg.AllowFragment = true
	default:
		return cfg, usageError("netdx ping: -M %s: want do or dont", m)
	}
	sourceFlag(c.String("I"), &cfg)
	return cfg, privilegeMode(c, &cfg)
}

// tosFlag reads a TOS flag (iputils' -Q, fping's -O), decimal or 0x hex,
// into tos when given.
func tosFlag(c *cli.Context, name string, tos *int) error {
	if !c.IsSet(name) {
		return nil
	}
	v, err := strconv.ParseInt(c.String(name), 0, 32)
	if err != nil {
		return usageError("netdx ping: -%s %s: want a TOS number (decimal or 0x hex)", name, c.String(name))
	}
	*tos = int(v)
	return nil
}

// sourceFlag reads a flag that names the source address or interface
// (ping's -I, check_icmp's -s) into cfg.
func sourceFlag(v string, cfg *probe.Config) {
	if a, err := netip.ParseAddr(v); err == nil {
		cfg.Source = a
	} else if v != "" {
		cfg.Interface = v
	}
}

// privilegeMode reads --privileged and --unprivileged into cfg.
func privilegeMode(c *cli.Context, cfg *probe.Config) error {
	switch {
	case c.Bool("privileged") && c.Bool("unprivileged"):
		return usageError("netdx ping: --privileged and --unprivileged exclude each other")
	case c.Bool("privileged"):
		cfg.Mode = probe.ModeRaw
	case c.Bool("unprivileged"):
		cfg.Mode = probe.ModeDatagram
	}
	return nil
}
