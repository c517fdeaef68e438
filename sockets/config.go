package sockets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"netdx/internal/configerr"
)

// MaxPID is the kernel's largest process id (PID_MAX_LIMIT on 64-bit
// systems): no process can have a higher one.
const MaxPID = 1 << 22

// ErrConfig matches every *ConfigError.
var ErrConfig = errors.New("sockets: bad configuration")

// ConfigError is a Config field that cannot be run. It names the field, not
// any command-line flag: callers map Field to their own spelling. Every
// ConfigError matches ErrConfig and ErrBadFilter.
type ConfigError = configerr.Error[configOwner]

// configOwner makes ConfigError sockets's own: its messages start with
// "sockets:" and it matches ErrConfig and ErrBadFilter.
type configOwner struct{}

func (configOwner) Package() string    { return "sockets" }
func (configOwner) Sentinels() []error { return []error{ErrConfig, ErrBadFilter} }

// DefaultConfig is `netdx sockets`'s: the TCP and UDP listeners of the
// caller's network namespace, without owners.
func DefaultConfig() Config { return Config{Protos: []string{"tcp", "udp"}} }

// Validate reports the first field of c that List cannot run, as a
// *ConfigError, before anything is read. List runs the same checks.
func (c Config) Validate() error {
	bad := func(field string, v any, format string, a ...any) error {
		return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
	}
	if len(c.Protos) == 0 {
		return bad("Protos", "", "want tcp, udp or both")
	}
	for i, p := range c.Protos {
		if p != "tcp" && p != "udp" || slices.Contains(c.Protos[:i], p) {
			return bad("Protos", p, "want tcp or udp")
		}
	}
	for _, name := range c.States {
		if _, ok := stateNumber(name); !ok {
			return bad("States", name, "not a socket state (LISTEN, ESTABLISHED, TIME_WAIT, UNCONN, …)")
		}
	}
	for _, pid := range c.PIDs {
		if pid < 1 || pid > MaxPID {
			return bad("PIDs", pid, "not a process id (1..%d)", MaxPID)
		}
	}
	for _, gw := range c.AllowedGateways {
		if !gw.IsValid() {
			return bad("AllowedGateways", gw, "not an IP address")
		}
	}
	if c.NetNS != "" {
		if _, err := os.Stat(c.NetNS); errors.Is(err, fs.ErrNotExist) {
			return &ConfigError{Field: "NetNS", Value: c.NetNS, Reason: "no such network namespace", Err: err}
		}
	}
	return nil
}
