package watch

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"netdx/check"
	"netdx/diagnose"
)

var configTarget = check.Target{Name: "dst", Addr: netip.MustParseAddr("198.18.4.2")}

// withConfig is DefaultConfig watching configTarget, changed by set.
func withConfig(set func(*Config)) Config {
	c := DefaultConfig()
	c.Targets = []check.Target{configTarget}
	set(&c)
	return c
}

// TestConfigValidate: each field group refuses what cannot run, naming the
// field and the value given, zero included where it means nothing; Never
// and the off thresholds are taken.
func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		field string
		value any
		set   func(*Config)
	}{
		{"Targets", 0, func(c *Config) { c.Targets = nil }},
		{"Interval", time.Duration(0), func(c *Config) { c.Interval = 0 }},
		{"PathInterval", 500 * time.Millisecond, func(c *Config) { c.PathInterval = 500 * time.Millisecond }},
		{"PathConcurrency", 0, func(c *Config) { c.PathConcurrency = 0 }},
		{"Duration", 2 * time.Second, func(c *Config) { c.Path.Duration = 2 * time.Second; c.PathInterval = time.Second }},
		{"RoundEvery", -time.Second, func(c *Config) { c.RoundEvery = -time.Second }},
		{"MinSample", 0, func(c *Config) { c.MinSample = 0 }},
		{"RaiseAfter", 0, func(c *Config) { c.RaiseAfter = 0 }},
		{"ClearAfter", -1, func(c *Config) { c.ClearAfter = -1 }},
		{"SnapshotRTT", time.Duration(0), func(c *Config) { c.Snapshot.MaxRTT = 0 }},
		{"SnapshotLossPct", 0.0, func(c *Config) { c.Snapshot.MaxLossPct = 0 }},
		{"SnapshotGap", time.Duration(0), func(c *Config) { c.Snapshot.Gap = 0 }},
		{"Window", 100, func(c *Config) { c.Echo.Window = 100 }},
		{"MinSample", 400, func(c *Config) { c.MinSample = 400 }},
	} {
		err := withConfig(tc.set).Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || ce.Value != tc.value || !errors.Is(err, ErrConfig) {
			t.Errorf("%s %v: %v, want a ConfigError for it", tc.field, tc.value, err)
		}
	}
	if err := withConfig(func(c *Config) { c.Rules.MaxLossPct = 0 }).Validate(); !errors.Is(err, diagnose.ErrConfig) {
		t.Errorf("the rules are validated too: %v", err)
	}
	for _, set := range []func(*Config){
		func(c *Config) {},
		func(c *Config) { c.PathInterval, c.RoundEvery = Never, Never },
		func(c *Config) { c.Snapshot.MaxRTT, c.Snapshot.MaxLossPct = 50*time.Millisecond, 0.1 },
		func(c *Config) { c.Targets, c.Host = nil, &check.HostConfig{} },
	} {
		if err := withConfig(set).Validate(); err != nil {
			t.Errorf("refused: %v", err)
		}
	}
	if c := DefaultConfig().Paced(5 * time.Second); c.Interval != 5*time.Second || c.Echo.Interval != 5*time.Second {
		t.Errorf("Paced: judged every %v, echo every %v", c.Interval, c.Echo.Interval)
	}
	if DefaultSnapshotConfig().enabled() {
		t.Error("snapshots taken by default")
	}
}
