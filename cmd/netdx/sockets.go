package main

import "github.com/urfave/cli/v2"

func socketsCommand() *cli.Command {
	return &cli.Command{
		Name:   "sockets",
		Usage:  "who listens and who captures: sockets with owners, cleartext services, capture sockets",
		Flags:  []cli.Flag{jsonFlag},
		Action: notBuilt("sockets", "sockets"),
	}
}
