package main

import "github.com/urfave/cli/v2"

func linkCommand() *cli.Command {
	return &cli.Command{
		Name:      "link",
		Usage:     "interface health: errors, drops, PROMISC flag and promiscuity counter, retransmits",
		ArgsUsage: "[IFACE...]",
		Flags:     []cli.Flag{jsonFlag},
		Action:    notBuilt("link", "link"),
	}
}
