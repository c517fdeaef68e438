package main

import (
	"io"
	"netdx/internal/buildinfo"
	"strings"

	"github.com/urfave/cli/v2"
)

// jsonFlag is accepted both before and after the command name.
var jsonFlag = &cli.BoolFlag{
	Name:  "json",
	Usage: "print exactly one JSON document on stdout (logs and progress go to stderr)",
}

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:                 "netdx",
		Usage:                "network diagnostics: ping, trace, interface health, sockets, sniffers",
		Version:              buildinfo.Version(),
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		HideHelpCommand:      true,
		Flags:                []cli.Flag{jsonFlag},
		Description: "Exit codes (every command, Nagios convention): 0 OK, 1 WARNING, 2 CRITICAL,\n" +
			"3 UNKNOWN (bad input, unresolvable name, no permission, internal error).",
		Commands: []*cli.Command{
			pingCommand(),
			traceCommand(),
			linkCommand(),
			socketsCommand(),
			diagnoseCommand(),
			watchCommand(),
			checkPingCommand(),
			checkICMPCommand(),
			completionCommand(),
			manCommand(),
		},
		OnUsageError: onUsageError,
		CommandNotFound: func(c *cli.Context, name string) {
			// Reported through the returned error below; keep stdout clean.
		},
		// netdx maps errors to exit codes itself (see report); never let the
		// library call os.Exit.
		ExitErrHandler: func(*cli.Context, error) {},
	}
	for _, cmd := range app.Commands {
		if cmd.OnUsageError == nil {
			cmd.OnUsageError = onUsageError
		}
	}
	app.Action = func(c *cli.Context) error {
		if c.NArg() > 0 {
			return usageError("unknown command %q (run netdx --help for the list)", c.Args().First())
		}
		return cli.ShowAppHelp(c)
	}
	return app
}

func onUsageError(c *cli.Context, err error, isSubcommand bool) error {
	where := "netdx"
	if c.Command != nil && c.Command.Name != "" && c.Command.Name != c.App.Name {
		where = "netdx " + c.Command.Name
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		if len(name) > 1 {
			name = "-" + name
		}
		msg = "unknown flag -" + name
	}
	return usageError("%s: %s (see %s --help)", where, msg, where)
}

// wantJSON reports whether --json was given before or after the command.
func wantJSON(c *cli.Context) bool {
	for _, cc := range c.Lineage() {
		if cc.IsSet("json") && cc.Bool("json") {
			return true
		}
	}
	return false
}
