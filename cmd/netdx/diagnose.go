package main

import "github.com/urfave/cli/v2"

func diagnoseCommand() *cli.Command {
	return &cli.Command{
		Name:      "diagnose",
		Usage:     "correlate path, interface, sniffer and retransmit evidence into findings",
		ArgsUsage: "[TARGET...]",
		Flags:     []cli.Flag{jsonFlag},
		Action:    notBuilt("diagnose", "diagnose"),
	}
}
