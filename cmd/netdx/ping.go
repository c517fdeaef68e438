package main

import "github.com/urfave/cli/v2"

func pingCommand() *cli.Command {
	return &cli.Command{
		Name:      "ping",
		Usage:     "ICMP echo (IPv4/IPv6) to one or many targets",
		ArgsUsage: "TARGET...",
		Flags:     []cli.Flag{jsonFlag},
		Action:    notBuilt("ping", "probe"),
	}
}
