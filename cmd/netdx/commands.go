package main

import "github.com/urfave/cli/v2"

// Each command lives in its own file once its engine exists; these are the
// ones still waiting for theirs.

func pingCommand() *cli.Command {
	return &cli.Command{
		Name:      "ping",
		Usage:     "ICMP echo (IPv4/IPv6) to one or many targets",
		ArgsUsage: "TARGET...",
		Flags:     []cli.Flag{jsonFlag},
		Action:    notBuilt("ping", "probe"),
	}
}

func traceCommand() *cli.Command {
	return &cli.Command{
		Name:      "trace",
		Usage:     "TTL-stepped traceroute (ICMP/UDP/TCP) with every ICMP unreachable decoded",
		ArgsUsage: "TARGET",
		Flags:     []cli.Flag{jsonFlag},
		Action:    notBuilt("trace", "trace"),
	}
}

func linkCommand() *cli.Command {
	return &cli.Command{
		Name:      "link",
		Usage:     "interface health: errors, drops, PROMISC flag and promiscuity counter, retransmits",
		ArgsUsage: "[IFACE...]",
		Flags:     []cli.Flag{jsonFlag},
		Action:    notBuilt("link", "link"),
	}
}

func socketsCommand() *cli.Command {
	return &cli.Command{
		Name:   "sockets",
		Usage:  "who listens and who captures: sockets with owners, cleartext services, capture sockets",
		Flags:  []cli.Flag{jsonFlag},
		Action: notBuilt("sockets", "sockets"),
	}
}

func diagnoseCommand() *cli.Command {
	return &cli.Command{
		Name:      "diagnose",
		Usage:     "correlate path, interface, sniffer and retransmit evidence into findings",
		ArgsUsage: "[TARGET...]",
		Flags:     []cli.Flag{jsonFlag},
		Action:    notBuilt("diagnose", "diagnose"),
	}
}

func watchCommand() *cli.Command {
	return &cli.Command{
		Name:   "watch",
		Usage:  "run the checks continuously with a journal, Prometheus metrics and syslog",
		Flags:  []cli.Flag{jsonFlag},
		Action: notBuilt("watch", "watch"),
	}
}
