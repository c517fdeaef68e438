package link

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"netdx/internal/configerr"
)

// MinInterval is the shortest sampling interval: rates over less cannot be
// told from the time it takes to read the counters.
const MinInterval = time.Millisecond

// ErrConfig matches every *ConfigError.
var ErrConfig = errors.New("link: bad configuration")

// ConfigError is a Config field that cannot be run. It names the field, not
// any command-line flag: callers map Field to their own spelling.
type ConfigError = configerr.Error[configOwner]

// configOwner makes ConfigError link's own: its messages start with
// "link:" and it matches ErrConfig.
type configOwner struct{}

func (configOwner) Package() string    { return "link" }
func (configOwner) Sentinels() []error { return []error{ErrConfig} }

// DefaultConfig reads every interface of the caller's namespace once:
// counters since boot, no interval.
func DefaultConfig() Config { return Config{} }

// DefaultWatchConfig is DefaultConfig sampled every second, for Watch.
func DefaultWatchConfig() Config {
	c := DefaultConfig()
	c.Interval = time.Second
	return c
}

// Validate reports the first field of c that Collect (watch false) or
// Watch (watch true) cannot run, as a *ConfigError, before anything is
// read. Collect and Watch run the same checks.
func (c Config) Validate(watch bool) error {
	bad := func(field string, v any, format string, a ...any) error {
		return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
	}
	switch iv := c.Interval; {
	case iv <= 0 && watch:
		return bad("Interval", iv, "interval must be at least %v to watch", MinInterval)
	case iv < 0:
		return bad("Interval", iv, "interval must not be negative")
	case iv > 0 && iv < MinInterval:
		return bad("Interval", iv, "interval below %v: rates over less mean nothing", MinInterval)
	}
	for _, name := range c.Interfaces {
		if name == "" || len(name) > 15 || strings.ContainsAny(name, "/ \t\n:") {
			return bad("Interfaces", name, "not an interface name")
		}
	}
	if c.NetNS != "" {
		if _, err := os.Stat(c.NetNS); errors.Is(err, fs.ErrNotExist) {
			return &ConfigError{Field: "NetNS", Value: c.NetNS, Reason: "no such network namespace", Err: err}
		}
	}
	return nil
}
