package check

import (
	"errors"
	"fmt"
	"math"
)

// ExplicitZero, put in a duration field of a config, asks for zero itself
// rather than the field's default, as in the engines' configs; validation
// decides whether zero means anything.
const ExplicitZero = math.MinInt64

// ErrConfig matches every *ConfigError.
var ErrConfig = errors.New("check: bad configuration")

// ConfigError is a field of PathConfig or HostConfig that cannot run. It
// names the field, not a command-line flag.
type ConfigError struct {
	Field  string
	Value  any
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("check: %s %v: %s", e.Field, e.Value, e.Reason)
}

// Is makes every ConfigError match ErrConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// ConfigField, ConfigValue and ConfigReason let callers handle the
// configuration errors of every package alike.
func (e *ConfigError) ConfigField() string  { return e.Field }
func (e *ConfigError) ConfigValue() any     { return e.Value }
func (e *ConfigError) ConfigReason() string { return e.Reason }

func bad(field string, v any, format string, a ...any) error {
	if d, ok := v.(interface{ Nanoseconds() int64 }); ok && d.Nanoseconds() == ExplicitZero {
		v = 0
	}
	return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
}
