package main

import (
	"context"
	"errors"

	"github.com/urfave/cli/v2"
)

// Every command ends on SIGINT or SIGTERM the way ping does: main turns the
// signal into the end of the command's context; the engine stops and
// returns what it measured; the command prints it (text, or one whole JSON
// document) and exits by what was measured. A second signal kills netdx at
// once (see main).

// interrupted reports whether the command's run was cut short by a signal.
func interrupted(c *cli.Context) bool { return c.Context.Err() != nil }

// partial reports whether err only says that the run was interrupted, so
// that what the engine returned with it is what was measured: a result to
// show, not an error.
func partial(c *cli.Context, err error) bool {
	return err != nil && interrupted(c) && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}
