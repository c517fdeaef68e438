package diagnose

import (
	"errors"
	"fmt"
	"math"
	"time"

	"netdx/internal/configerr"
)

// ExplicitZero, put in a numeric field of Config, asks for zero itself
// rather than the field's default (which is what a zero field means), as in
// the engines' configs: a command line passes it for a flag given as 0, and
// Validate decides whether zero means anything (a retransmit threshold of 0
// is "any retransmit"; a latency step of 0 means nothing).
const ExplicitZero = math.MinInt64

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
// *ConfigError. The rules read a validated Config; fields left zero take
// their defaults.
func (c Config) Validate() error {
	bad := func(field string, v any, format string, a ...any) error {
		if f, ok := v.(float64); ok && f == ExplicitZero {
			v = 0
		}
		if d, ok := v.(time.Duration); ok && d == ExplicitZero {
			v = 0
		}
		if n, ok := v.(int); ok && n == ExplicitZero {
			v = 0
		}
		return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
	}
	pct := func(v float64) bool { return v == ExplicitZero || (v >= 0 && v <= 100) }
	switch {
	case c.MaxRTT == ExplicitZero || c.MaxRTT < 0:
		return bad("MaxRTT", c.MaxRTT, "want a positive RTT (unset: latency is information)")
	case c.MaxLossPct == ExplicitZero:
		return bad("MaxLossPct", c.MaxLossPct, "no sample tells a loss of exactly 0 from a small one: give a small positive threshold (0.5) and a longer --duration")
	case math.IsNaN(c.MaxLossPct) || c.MaxLossPct < 0 || c.MaxLossPct > 100:
		return bad("MaxLossPct", c.MaxLossPct, "want a percentage above 0, up to 100")
	case c.Jump == ExplicitZero || c.Jump < 0:
		return bad("Jump", c.Jump, "want a positive latency step")
	case math.IsNaN(c.MaxRetransPct) || !pct(c.MaxRetransPct):
		return bad("MaxRetransPct", c.MaxRetransPct, "want a percentage of 0..100")
	case c.MinSegments < 0 && c.MinSegments != ExplicitZero:
		return bad("MinSegments", c.MinSegments, "want a count of segments")
	case c.FlapChanges == ExplicitZero || c.FlapChanges < 0:
		return bad("FlapChanges", c.FlapChanges, "want at least 1 carrier change")
	case c.TimeWaitPileup == ExplicitZero || c.TimeWaitPileup < 0:
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
