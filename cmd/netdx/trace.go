package main

import "github.com/urfave/cli/v2"

func traceCommand() *cli.Command {
	return &cli.Command{
		Name:      "trace",
		Usage:     "TTL-stepped traceroute (ICMP/UDP/TCP) with every ICMP unreachable decoded",
		ArgsUsage: "TARGET",
		Flags:     []cli.Flag{jsonFlag},
		Action:    notBuilt("trace", "trace"),
	}
}
