package main

import "github.com/urfave/cli/v2"

func watchCommand() *cli.Command {
	return &cli.Command{
		Name:   "watch",
		Usage:  "run the checks continuously with a journal, Prometheus metrics and syslog",
		Flags:  []cli.Flag{jsonFlag},
		Action: notBuilt("watch", "watch"),
	}
}
