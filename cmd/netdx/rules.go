package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"netdx/check"
	"netdx/diagnose"
	"netdx/trace"
)

// ruleFlags are the flags of diagnose's rules and of the traces they
// read, the same for every command that judges (diagnose, watch), with
// the engines' defaults.
func ruleFlags() []cli.Flag {
	d, p := diagnose.DefaultConfig(), check.DefaultPathConfig().Trace
	return []cli.Flag{
		&cli.StringFlag{Name: "P", Aliases: []string{"protocol"}, Value: p.Protocol.String(), Usage: protocolUsage("trace", p.Protocol, " (targets do not rate-limit echo replies)")},
		&cli.IntFlag{Name: "m", Aliases: []string{"max-ttl"}, Value: p.MaxTTL, Usage: "max `TTL`"},
		&cli.DurationFlag{Name: "max-rtt", Usage: "latency is a WARNING when the target's median RTT is above this", DefaultText: defaultText(d.MaxRTT, diagnose.NoMaxRTT, "none")},
		&cli.Float64Flag{Name: "max-loss", Value: d.MaxLossPct, Usage: "loss to a target above this `PERCENT` (with 95% confidence) is a WARNING"},
		&cli.DurationFlag{Name: "jump", Value: d.Jump, Usage: "smallest latency step between hops reported"},
		&cli.Float64Flag{Name: "max-retrans", Value: d.MaxRetransPct, Usage: "TCP retransmit `PERCENT` above which it is a WARNING"},
		&cli.StringSliceFlag{Name: "allow-capture", Usage: "process name whose promiscuous capture is expected, e.g. dhclient (repeatable)"},
		&cli.StringSliceFlag{Name: "allow-gateway", Usage: "an expected gateway; routes via others are flagged (repeatable)"},
		&cli.IntFlag{Name: "time-wait-pileup", Value: d.TimeWaitPileup, Usage: "TIME_WAIT count named as a pile-up"},
		&cli.BoolFlag{Name: "4", Usage: "resolve targets to IPv4"},
		&cli.BoolFlag{Name: "6", Usage: "resolve targets to IPv6"},
	}
}

// rulesConfig is diagnose's Config from ruleFlags, for the rules to
// validate.
func rulesConfig(c *cli.Context) diagnose.Config {
	cfg := diagnose.DefaultConfig()
	set(c, "max-rtt", c.Duration, &cfg.MaxRTT)
	set(c, "max-loss", c.Float64, &cfg.MaxLossPct)
	set(c, "jump", c.Duration, &cfg.Jump)
	set(c, "max-retrans", c.Float64, &cfg.MaxRetransPct)
	set(c, "allow-capture", c.StringSlice, &cfg.AllowedCapture)
	set(c, "time-wait-pileup", c.Int, &cfg.TimeWaitPileup)
	return cfg
}

// pathTraceFlags sets a path check's trace from ruleFlags' -P and -m (a
// protocol given alone probes its default port).
func pathTraceFlags(c *cli.Context, flags fieldFlags, tc *trace.Config) error {
	set(c, "m", c.Int, &tc.MaxTTL)
	return setProtocol(c, flags, tc)
}

// defaultText is a default for a flag's help: v, or what the engine's
// named value off stands for ("none", "the kernel's").
func defaultText[T comparable](v, off T, offText string) string {
	if v == off {
		return offText
	}
	return fmt.Sprint(v)
}
