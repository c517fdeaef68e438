package backlog

import (
	"errors"
	"fmt"
	"time"

	"netdx/internal/configerr"
)

// OnFull is what a queue does with a message when its backlog is full.
// The zero value is PurgeOldest.
type OnFull int

// Final actions.
const (
	PurgeOldest OnFull = iota // drop the oldest waiting message to keep the new one
	IgnoreNew                 // drop the new message
	Stop                      // refuse this and every later message
)

var onFullNames = [...]string{"purge-oldest", "ignore-new", "stop"}

func (a OnFull) String() string {
	if !a.valid() {
		return fmt.Sprintf("on-full(%d)", int(a))
	}
	return onFullNames[a]
}

func (a OnFull) valid() bool { return a >= 0 && int(a) < len(onFullNames) }

// onFullReason lists the final actions by name.
const onFullReason = "want purge-oldest, ignore-new or stop"

// ParseOnFull reads a final action by its name (String's). A name it does
// not know is a *ConfigError for the field OnFull.
func ParseOnFull(s string) (OnFull, error) {
	for i, n := range onFullNames {
		if s == n {
			return OnFull(i), nil
		}
	}
	return 0, &ConfigError{Field: "OnFull", Value: s, Reason: onFullReason}
}

// Config bounds a queue and paces its worker. The sinks own the values.
type Config struct {
	// Messages and Bytes bound the messages waiting; each is at least 1.
	// A message longer than Bytes waits alone.
	Messages int
	Bytes    int64
	// OnFull is the final action when the backlog is full.
	OnFull OnFull
	// MinBackoff and MaxBackoff bound the wait before delivery is tried
	// again after a failure: MinBackoff after the first, doubled after
	// each next one up to MaxBackoff, each spread by ±20%.
	MinBackoff, MaxBackoff time.Duration
	// DrainFor is how long Close keeps delivering what waits, backoff
	// and all, after one pass that ignores the backoff; 0 is that pass
	// alone.
	DrainFor time.Duration
}

// ErrConfig matches every *ConfigError.
var ErrConfig = errors.New("backlog: bad configuration")

// ConfigError is a Config field that cannot run. Sinks that fill a
// Config from fields of their own rename it with Recast.
type ConfigError = configerr.Error[configOwner]

// configOwner makes ConfigError backlog's own: its messages start with
// "backlog:" and it matches ErrConfig.
type configOwner struct{}

func (configOwner) Package() string    { return "backlog" }
func (configOwner) Sentinels() []error { return []error{ErrConfig} }

// Validate reports the first field of c that cannot run, as a
// *ConfigError.
func (c Config) Validate() error {
	bad := func(field string, v any, reason string) error {
		return &ConfigError{Field: field, Value: v, Reason: reason}
	}
	switch {
	case c.Messages < 1:
		return bad("Messages", c.Messages, "want at least 1 message")
	case c.Bytes < 1:
		return bad("Bytes", c.Bytes, "want at least 1 byte")
	case !c.OnFull.valid():
		return bad("OnFull", c.OnFull, onFullReason)
	case c.MinBackoff <= 0:
		return bad("MinBackoff", c.MinBackoff, "want a positive time")
	case c.MaxBackoff < c.MinBackoff:
		return bad("MaxBackoff", c.MaxBackoff, fmt.Sprintf("want at least MinBackoff (%v)", c.MinBackoff))
	case c.DrainFor < 0:
		return bad("DrainFor", c.DrainFor, "want 0 (one pass) or a positive time")
	}
	return nil
}

// Recast returns err, when it is a configuration error of the backlog
// whose Config a sink fills from its own fields, as the sink's error O
// naming the sink's field (fields maps backlog's names to the sink's); any
// other error as it is.
func Recast[O configerr.Owner](err error, fields map[string]string) error {
	var ce *ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	field := ce.Field
	if f, ok := fields[field]; ok {
		field = f
	}
	return &configerr.Error[O]{Field: field, Value: ce.Value, Reason: ce.Reason}
}
