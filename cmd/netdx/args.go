package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// permuteArgs moves a command's flags in front of its positional arguments,
// so that "netdx ping host -c 3" means what ping users expect. The flag
// parser stops at the first argument otherwise and would take "-c" and "3"
// as more targets. Everything after "--" is left alone.
func permuteArgs(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	i := 1
	// Global flags, up to the command name.
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--" {
		out = append(out, args[i])
		i++
	}
	if i >= len(args) {
		return out
	}
	cmd := app.Command(args[i])
	if cmd == nil {
		return args
	}
	out = append(out, args[i])
	i++
	var flags, pos []string
	for i < len(args) {
		a := args[i]
		i++
		if a == "--" {
			pos = append(pos, args[i-1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		if !strings.Contains(a, "=") && takesValue(cmd, a) && i < len(args) {
			flags = append(flags, args[i])
			i++
		}
	}
	out = append(out, flags...)
	return append(out, pos...)
}

// takesValue reports whether the flag named by arg ("-c", "--count") needs a
// value after it.
func takesValue(cmd *cli.Command, arg string) bool {
	name := strings.TrimLeft(arg, "-")
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n != name {
				continue
			}
			if dg, ok := f.(cli.DocGenerationFlag); ok {
				return dg.TakesValue()
			}
			return false
		}
	}
	return false
}
