package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// notBuilt is the answer of a command whose engine does not exist yet: it
// says so and exits UNKNOWN rather than printing anything made up.
func notBuilt(name, engine string) cli.ActionFunc {
	return func(c *cli.Context) error {
		return withCode(exitUnknown, fmt.Errorf("%s: not built yet: the %s engine does not exist in this version", name, engine))
	}
}
