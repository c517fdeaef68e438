// Command netdx is a network diagnostics toolkit: ping, trace, link, sockets,
// diagnose and watch in one binary. Run "netdx --help" for the commands and
// "netdx COMMAND --help" for each one's flags.
//
// Exit codes follow the Nagios convention: 0 OK, 1 WARNING, 2 CRITICAL,
// 3 UNKNOWN (bad input, unresolvable name, no permission, internal error).
//
// Each command is flags → the engine's config → one call → render → exit
// code. cmd parses flags and validates nothing the engines own: they
// refuse bad values with a ConfigError naming a config field, and
// configFlags maps the field back to the flag for the one line on stderr.
// SIGINT and SIGTERM end the command's context; the engine returns what it
// measured, which the command prints before exiting by it.
package main
