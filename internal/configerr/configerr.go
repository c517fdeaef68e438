// Package configerr is the error every engine's validation returns for a
// configuration field it cannot run: one type, instantiated once per
// engine, so that each engine's ConfigError stays its own type (matched
// with errors.As and its own ErrConfig) while the behaviour lives here.
package configerr

import (
	"fmt"
	"slices"
)

// Owner says which engine refuses: its name, for the message, and the
// sentinel errors its refusals match (its ErrConfig, and any other).
type Owner interface {
	Package() string
	Sentinels() []error
}

// Error is a configuration field that cannot run. It names the field, not
// any command-line flag: callers map Field to their own spelling.
type Error[O Owner] struct {
	Field  string // the field at fault, e.g. "Interval"
	Value  any    // the value refused (one element of a list)
	Reason string // what is wrong, for a human
	Err    error  // the error behind it, if any (a bind that failed)
}

func (e *Error[O]) Error() string {
	var o O
	return fmt.Sprintf("%s: %s %v: %s", o.Package(), e.Field, e.Value, e.Reason)
}

// Unwrap returns the error behind the refusal, if any.
func (e *Error[O]) Unwrap() error { return e.Err }

// Is makes every Error match its owner's sentinels.
func (e *Error[O]) Is(target error) bool {
	var o O
	return slices.Contains(o.Sentinels(), target)
}

// ConfigPackage, ConfigField, ConfigValue and ConfigReason let callers
// handle the configuration errors of every engine alike: the package and
// field together name the setting refused, whichever engine refused it.
func (e *Error[O]) ConfigPackage() string {
	var o O
	return o.Package()
}

func (e *Error[O]) ConfigField() string  { return e.Field }
func (e *Error[O]) ConfigValue() any     { return e.Value }
func (e *Error[O]) ConfigReason() string { return e.Reason }

// First runs checks in order and returns the first error: a Validate made
// of checks of one group of fields each.
func First(checks ...func() error) error {
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}
