// Command netdx is a network diagnostics toolkit: ping, trace, link, sockets,
// diagnose and watch in one binary. Run "netdx --help" for the commands and
// "netdx COMMAND --help" for each one's flags.
//
// Exit codes follow the Nagios convention: 0 OK, 1 WARNING, 2 CRITICAL,
// 3 UNKNOWN (bad input, unresolvable name, no permission, internal error).
package main
