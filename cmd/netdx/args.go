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
		if name, value, ok := attachedValue(cmd, a); ok {
			// iputils style: "-c3" is "-c 3".
			flags = append(flags, name, value)
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

// attachedValue splits "-c3" into "-c" and "3" when c is a one-letter flag
// that takes a value and "c3" is not a flag of its own.
func attachedValue(cmd *cli.Command, arg string) (name, value string, ok bool) {
	if len(arg) < 3 || arg[0] != '-' || arg[1] == '-' || strings.Contains(arg, "=") {
		return "", "", false
	}
	if findFlag(cmd, arg[1:]) != nil || !takesValue(cmd, arg[:2]) {
		return "", "", false
	}
	return arg[:2], arg[2:], true
}

// findFlag returns the command's flag with that name, or nil.
func findFlag(cmd *cli.Command, name string) cli.Flag {
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

// takesValue reports whether the flag named by arg ("-c", "--count") needs a
// value after it.
func takesValue(cmd *cli.Command, arg string) bool {
	dg, ok := findFlag(cmd, strings.TrimLeft(arg, "-")).(cli.DocGenerationFlag)
	return ok && dg.TakesValue()
}
