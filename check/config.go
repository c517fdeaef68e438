package check

import (
	"errors"
	"fmt"

	"netdx/internal/configerr"
	"netdx/probe"
)

// ErrConfig matches every *ConfigError.
var ErrConfig = errors.New("check: bad configuration")

// ConfigError is a field of PathConfig or HostConfig that cannot run. It
// names the field, not a command-line flag.
type ConfigError = configerr.Error[configOwner]

// configOwner makes ConfigError check's own: its messages start with
// "check:" and it matches ErrConfig.
type configOwner struct{}

func (configOwner) Package() string    { return "check" }
func (configOwner) Sentinels() []error { return []error{ErrConfig} }

// echoErr names a refusal of an echo stream's ping engine by check's own
// fields: the engine's Interval and Timeout are the EchoInterval and
// EchoTimeout of check's configs (an unprivileged interval below 2 ms is
// refused only once the socket is open, by the engine).
func echoErr(err error) error {
	var pe *probe.ConfigError
	if errors.As(err, &pe) {
		if f, ok := map[string]string{"Interval": "EchoInterval", "Timeout": "EchoTimeout"}[pe.Field]; ok {
			return &ConfigError{Field: f, Value: pe.Value, Reason: pe.Reason, Err: pe.Err}
		}
	}
	return err
}

func bad(field string, v any, format string, a ...any) error {
	return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
}
