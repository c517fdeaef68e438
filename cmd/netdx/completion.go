package main

import (
	_ "embed"
	"fmt"

	"github.com/urfave/cli/v2"
)

// The completion scripts ask netdx itself for candidates (urfave/cli's
// --generate-bash-completion), so they always match the binary's commands.
var (
	//go:embed completion.bash
	bashCompletion string
	//go:embed completion.zsh
	zshCompletion string
)

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash or zsh)",
		ArgsUsage: "bash|zsh",
		Action: func(c *cli.Context) error {
			script, ok := map[string]string{"": bashCompletion, "bash": bashCompletion, "zsh": zshCompletion}[c.Args().First()]
			if !ok {
				return usageError("netdx completion: unknown shell %q (bash or zsh)", c.Args().First())
			}
			_, err := fmt.Fprint(c.App.Writer, script)
			return err
		},
	}
}

func manCommand() *cli.Command {
	return &cli.Command{
		Name:  "man",
		Usage: "print the man page (roff), generated from the command definitions",
		Action: func(c *cli.Context) error {
			page, err := c.App.ToMan()
			if err != nil {
				return fmt.Errorf("man: %w", err)
			}
			_, err = fmt.Fprint(c.App.Writer, page)
			return err
		},
	}
}
