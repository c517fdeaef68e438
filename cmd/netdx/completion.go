package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// bashCompletion asks netdx itself for candidates (urfave/cli's
// --generate-bash-completion), so it always matches the binary's commands.
const bashCompletion = `# bash completion for netdx; load with: source <(netdx completion bash)
_netdx_complete() {
  local cur words
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == -* ]]; then
    words=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    words=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o bashdefault -o default -F _netdx_complete netdx
`

const zshCompletion = `#compdef netdx
# zsh completion for netdx; load with: source <(netdx completion zsh)
_netdx() {
  local -a opts
  opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  _describe 'values' opts
}
compdef _netdx netdx
`

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash or zsh)",
		ArgsUsage: "bash|zsh",
		Action: func(c *cli.Context) error {
			switch c.Args().First() {
			case "bash", "":
				_, err := fmt.Fprint(c.App.Writer, bashCompletion)
				return err
			case "zsh":
				_, err := fmt.Fprint(c.App.Writer, zshCompletion)
				return err
			default:
				return usageError("netdx completion: unknown shell %q (bash or zsh)", c.Args().First())
			}
		},
	}
}

func manCommand() *cli.Command {
	return &cli.Command{
		Name:   "man",
		Usage:  "print the man page (roff), generated from the command definitions",
		Hidden: false,
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
