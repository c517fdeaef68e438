package main

import (
	"errors"
	"fmt"
	"io"

	"netdx/internal/privs"
)

// dropCaps returns the OnReady hook of ping and trace: once their sockets
// are open, every capability goes. A cgo build cannot change all its
// threads (privs.ErrCgo) and keeps them quietly, as documented; any other
// failure is a warning, since the run itself is unharmed.
func dropCaps(errw io.Writer, command string) func() {
	return func() {
		if err := privs.Drop(); err != nil && !errors.Is(err, privs.ErrCgo) {
			fmt.Fprintf(errw, "netdx %s: warning: %v\n", command, err)
		}
	}
}
