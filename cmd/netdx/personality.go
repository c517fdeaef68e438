package main

import "path/filepath"

// personality lets netdx stand in for the classic tool a link to it is
// named after, so that a monitoring system's existing command definition
// works unchanged once the path points at the link:
//
//	check_ping  → netdx check_ping …  (monitoring-plugins' check_ping)
//	check_icmp  → netdx check_icmp …  (monitoring-plugins' check_icmp)
//	fping       → netdx ping --fping … (fping's flags and output; SmokePing)
//	fping6      → netdx ping --fping -6 …
//
// Any other name (netdx itself) leaves the arguments alone.
func personality(args []string) []string {
	if len(args) == 0 {
		return args
	}
	var cmd []string
	switch filepath.Base(args[0]) {
	case "check_ping":
		cmd = []string{"check_ping"}
	case "check_icmp":
		cmd = []string{"check_icmp"}
	case "fping":
		cmd = []string{"ping", "--fping"}
	case "fping6":
		cmd = []string{"ping", "--fping", "-6"}
	default:
		return args
	}
	out := append([]string{args[0]}, cmd...)
	return append(out, args[1:]...)
}
