//go:build !linux

package privs

import "errors"

// ErrCgo is never returned off Linux.
var ErrCgo = errors.New("privs: a cgo build cannot drop capabilities on every thread")

// Caps is a process's effective and permitted capability sets.
type Caps struct {
	Effective, Permitted uint64
}

// Current reports no capabilities off Linux.
func Current() (Caps, error) { return Caps{}, nil }

// Drop does nothing off Linux.
func Drop() error { return nil }

// Threads reports nothing off Linux.
func Threads(pid int) (map[int]Caps, error) { return nil, nil }
