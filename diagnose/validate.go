package diagnose

import (
	"errors"
	"fmt"
	"math"

	"netdx/internal/configerr"
)

// MaxProcessName is how long a process name (the kernel's comm) can be;
// AllowedCapture names are compared with it.
const MaxProcessName = 15

// ErrConfig matches every *ConfigError.
var ErrConfig = errors.New("diagnose: bad configuration")

// ConfigError is a Config field the rules cannot use. It names the field,
// not any command-line flag: callers map Field to their own spelling.
type ConfigError = configerr.Error[configOwner]

// configOwner makes ConfigError diagnose's own: its messages start with
// "diagnose:" and it matches ErrConfig.
type configOwner struct{}

func (configOwner) Package() string    { return "diagnose" }
func (configOwner) Sentinels() []error { return []error{ErrConfig} }

// Validate reports the first field of c the rules cannot use, as a
// *ConfigError. The rules read a validated Config as it is.
func (c Config) Validate() error {
	bad := func(field string, v any, format string, a ...any) error {
		return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
	}
	switch {
	case c.MaxRTT <= 0:
		return bad("MaxRTT", c.MaxRTT, "want a positive RTT (unset: latency is information)")
	case c.MaxLossPct == 0:
		return bad("MaxLossPct", c.MaxLossPct, "no sample tells a loss of exactly 0 from a small one: give a small positive threshold (0.5) and a longer --duration")
	case math.IsNaN(c.MaxLossPct) || c.MaxLossPct < 0 || c.MaxLossPct > 100:
		return bad("MaxLossPct", c.MaxLossPct, "want a percentage above 0, up to 100")
	case c.Jump <= 0:
		return bad("Jump", c.Jump, "want a positive latency step")
	case math.IsNaN(c.MaxRetransPct) || c.MaxRetransPct < 0 || c.MaxRetransPct > 100:
		return bad("MaxRetransPct", c.MaxRetransPct, "want a percentage of 0..100")
	case c.MinSegments < 0:
		return bad("MinSegments", c.MinSegments, "want a count of segments")
	case c.FlapChanges < 1:
		return bad("FlapChanges", c.FlapChanges, "want at least 1 carrier change")
	case c.TimeWaitPileup < 1:
		return bad("TimeWaitPileup", c.TimeWaitPileup, "want a count of at least 1")
	}
	for _, name := range c.AllowedCapture {
		switch {
		case name == "":
			return bad("AllowedCapture", name, "want a process name")
		case len(name) > MaxProcessName:
			return bad("AllowedCapture", name, "process names are at most %d bytes (the kernel's comm), so this one would never match: use %s",
				MaxProcessName, name[:MaxProcessName])
		}
	}
	return nil
}
