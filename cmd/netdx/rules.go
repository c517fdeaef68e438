package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"netdx/diagnose"
	"netdx/trace"
)

// ruleFlags are the flags of diagnose's rules and of the traces they
// read, the same for every command that judges (diagnose, watch).
func ruleFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "P", Aliases: []string{"protocol"}, Value: trace.ICMP.String(), Usage: protocolUsage("trace", trace.ICMP, " (targets do not rate-limit echo replies)")},
		&cli.IntFlag{Name: "m", Aliases: []string{"max-ttl"}, Value: 30, Usage: "max `TTL`"},
		&cli.DurationFlag{Name: "max-rtt", Usage: "latency is a WARNING when the target's median RTT is above this"},
		&cli.Float64Flag{Name: "max-loss", Value: diagnose.DefaultMaxLossPct, Usage: "loss to a target above this `PERCENT` (with 95% confidence) is a WARNING"},
		&cli.DurationFlag{Name: "jump", Value: 10 * time.Millisecond, Usage: "smallest latency step between hops reported"},
		&cli.Float64Flag{Name: "max-retrans", Value: 2, Usage: "TCP retransmit `PERCENT` above which it is a WARNING"},
		&cli.StringSliceFlag{Name: "allow-capture", Usage: "process name whose promiscuous capture is expected, e.g. dhclient (repeatable)"},
		&cli.StringSliceFlag{Name: "allow-gateway", Usage: "an expected gateway; routes via others are flagged (repeatable)"},
		&cli.IntFlag{Name: "time-wait-pileup", Value: 1000, Usage: "TIME_WAIT count named as a pile-up"},
		&cli.BoolFlag{Name: "4", Usage: "resolve targets to IPv4"},
		&cli.BoolFlag{Name: "6", Usage: "resolve targets to IPv6"},
	}
}

// rulesConfig is diagnose's Config from ruleFlags, for the rules to
// validate.
func rulesConfig(c *cli.Context) diagnose.Config {
	return diagnose.Config{
		MaxRTT:         durationField(c, "max-rtt"),
		MaxLossPct:     floatField(c, "max-loss"),
		Jump:           durationField(c, "jump"),
		MaxRetransPct:  floatField(c, "max-retrans"),
		AllowedCapture: c.StringSlice("allow-capture"),
		TimeWaitPileup: intField(c, "time-wait-pileup"),
	}
}
