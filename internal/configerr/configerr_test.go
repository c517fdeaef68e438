package configerr

import (
	"errors"
	"fmt"
	"testing"
)

var (
	errA      = errors.New("a: bad configuration")
	errFilter = errors.New("a: bad filter")
	errB      = errors.New("b: bad configuration")
)

type ownerA struct{}

func (ownerA) Package() string    { return "a" }
func (ownerA) Sentinels() []error { return []error{errA, errFilter} }

type ownerB struct{}

func (ownerB) Package() string    { return "b" }
func (ownerB) Sentinels() []error { return []error{errB} }

// TestOwners: each owner's errors read as its own, match its sentinels
// only, and stay a type of their own for errors.As.
func TestOwners(t *testing.T) {
	cause := errors.New("bind: address in use")
	var err error = fmt.Errorf("wrapped: %w", &Error[ownerA]{Field: "Interval", Value: 0, Reason: "want 1ms..1h", Err: cause})
	if got := errors.Unwrap(err).Error(); got != "a: Interval 0: want 1ms..1h" {
		t.Errorf("message %q", got)
	}
	if !errors.Is(err, errA) || !errors.Is(err, errFilter) || errors.Is(err, errB) || !errors.Is(err, cause) {
		t.Error("sentinels: want a's two and the cause, not b's")
	}
	var a *Error[ownerA]
	var b *Error[ownerB]
	if !errors.As(err, &a) || a.ConfigPackage() != "a" || a.ConfigField() != "Interval" || a.ConfigValue() != 0 || a.ConfigReason() != "want 1ms..1h" {
		t.Errorf("As a: %+v", a)
	}
	if errors.As(err, &b) {
		t.Error("a's error taken for b's")
	}
}

// TestFirst: the checks run in order, up to the first that fails.
func TestFirst(t *testing.T) {
	var ran []int
	check := func(i int, err error) func() error {
		return func() error { ran = append(ran, i); return err }
	}
	bad := errors.New("bad")
	if err := First(check(1, nil), check(2, bad), check(3, errors.New("later"))); err != bad || len(ran) != 2 {
		t.Errorf("First: %v after %v, want the second check's error after two", err, ran)
	}
	if err := First(); err != nil {
		t.Errorf("no checks: %v", err)
	}
}
