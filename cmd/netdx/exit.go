package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Exit codes: the Nagios plugin convention, used by every command.
const (
	exitOK       = 0
	exitWarning  = 1
	exitCritical = 2
	exitUnknown  = 3
)

// exitError carries an exit code out of a command. A nil err means the
// command already said what it had to say and only the code remains.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// withCode returns an error that makes netdx exit with code; a nil err
// prints nothing more.
func withCode(code int, err error) error {
	if code == exitOK && err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// usageError is bad input from the user: one line on stderr, exit 3.
func usageError(format string, a ...any) error {
	return &exitError{code: exitUnknown, err: fmt.Errorf(format, a...)}
}

// report prints err as one line on stderr and turns it into an exit code.
// Errors that carry no code are UNKNOWN: something stopped netdx from
// finding out.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	code := exitUnknown
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
		err = ee.err
	}
	msg := strings.TrimSpace(err.Error())
	msg = strings.ReplaceAll(msg, "\n", "; ")
	if !strings.HasPrefix(msg, "netdx") {
		msg = "netdx: " + msg
	}
	fmt.Fprintln(stderr, msg)
	return code
}
