package backlog

import (
	"errors"
	"testing"
	"time"

	"netdx/internal/configerr"
)

// TestValidate: each field out of its bounds is named, with the value
// given.
func TestValidate(t *testing.T) {
	ok := testConfig(PurgeOldest)
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		field string
		value any
		set   func(*Config)
	}{
		{"Messages", 0, func(c *Config) { c.Messages = 0 }},
		{"Bytes", int64(-1), func(c *Config) { c.Bytes = -1 }},
		{"OnFull", OnFull(3), func(c *Config) { c.OnFull = 3 }},
		{"MinBackoff", time.Duration(0), func(c *Config) { c.MinBackoff = 0 }},
		{"MaxBackoff", 500 * time.Millisecond, func(c *Config) { c.MaxBackoff = 500 * time.Millisecond }},
		{"DrainFor", -time.Second, func(c *Config) { c.DrainFor = -time.Second }},
	} {
		cfg := ok
		c.set(&cfg)
		var ce *ConfigError
		if err := cfg.Validate(); !errors.As(err, &ce) || !errors.Is(err, ErrConfig) || ce.Field != c.field || ce.Value != c.value {
			t.Errorf("%s: %v", c.field, err)
		}
	}
}

func TestParseOnFull(t *testing.T) {
	for _, a := range []OnFull{PurgeOldest, IgnoreNew, Stop} {
		if b, err := ParseOnFull(a.String()); err != nil || b != a {
			t.Errorf("%v: %v %v", a, b, err)
		}
	}
	var ce *ConfigError
	if _, err := ParseOnFull("drop"); !errors.As(err, &ce) || ce.Field != "OnFull" || ce.Value != "drop" {
		t.Errorf("drop: %v", err)
	}
}

type sinkOwner struct{}

func (sinkOwner) Package() string    { return "sink" }
func (sinkOwner) Sentinels() []error { return nil }

// TestRecast: a backlog's refusal reads as the sink's, under the sink's
// field name; other errors pass as they are.
func TestRecast(t *testing.T) {
	err := Recast[sinkOwner](Config{}.Validate(), map[string]string{"Messages": "Backlog"})
	var ce *configerr.Error[sinkOwner]
	if !errors.As(err, &ce) || err.Error() != "sink: Backlog 0: want at least 1 message" {
		t.Errorf("recast: %v", err)
	}
	if err := Recast[sinkOwner](errDown, nil); err != errDown {
		t.Errorf("other error: %v", err)
	}
}
