package diagnose

import (
	"errors"
	"math"
	"testing"
	"time"
)

// withConfig is DefaultConfig changed by set: tests start where every
// caller does.
func withConfig(set func(*Config)) Config {
	c := DefaultConfig()
	set(&c)
	return c
}

// TestConfigValidate: what the rules cannot use is refused with the value
// given, zero included where it means nothing; zero is taken where it
// does mean something (a retransmit threshold of 0: any retransmit).
func TestConfigValidate(t *testing.T) {
	bad := []struct {
		field string
		value any
		set   func(*Config)
	}{
		{"MaxRTT", time.Duration(0), func(c *Config) { c.MaxRTT = 0 }},
		{"MaxRTT", -time.Second, func(c *Config) { c.MaxRTT = -time.Second }},
		{"Jump", time.Duration(0), func(c *Config) { c.Jump = 0 }},
		{"MaxLossPct", 0.0, func(c *Config) { c.MaxLossPct = 0 }},
		{"MaxLossPct", 101.0, func(c *Config) { c.MaxLossPct = 101 }},
		{"MaxLossPct", -1.0, func(c *Config) { c.MaxLossPct = -1 }},
		{"MaxRetransPct", 101.0, func(c *Config) { c.MaxRetransPct = 101 }},
		{"MaxRetransPct", -5.0, func(c *Config) { c.MaxRetransPct = -5 }},
		{"MinSegments", int64(-1), func(c *Config) { c.MinSegments = -1 }},
		{"FlapChanges", 0, func(c *Config) { c.FlapChanges = 0 }},
		{"TimeWaitPileup", 0, func(c *Config) { c.TimeWaitPileup = 0 }},
		{"TimeWaitPileup", -3, func(c *Config) { c.TimeWaitPileup = -3 }},
		{"AllowedCapture", "", func(c *Config) { c.AllowedCapture = []string{""} }},
		{"AllowedCapture", "NetworkManager-dispatcher", func(c *Config) { c.AllowedCapture = []string{"NetworkManager-dispatcher"} }},
	}
	for _, tc := range bad {
		err := withConfig(tc.set).Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || ce.Value != tc.value || !errors.Is(err, ErrConfig) {
			t.Errorf("%s %v: %v, want a ConfigError for it", tc.field, tc.value, err)
		}
	}
	for _, set := range []func(*Config){
		func(c *Config) { c.MaxLossPct = math.NaN() },
		func(c *Config) { c.MaxRetransPct = math.NaN() },
	} {
		if err := withConfig(set).Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("NaN threshold: %v", err)
		}
	}
	for _, set := range []func(*Config){
		func(c *Config) {},
		func(c *Config) {
			c.MaxRetransPct, c.MinSegments, c.MinDrops, c.AllowedCapture = 0, 0, 0, []string{"dhclient"}
		},
		func(c *Config) { c.MaxRTT = time.Millisecond },
	} {
		if c := withConfig(set); c.Validate() != nil {
			t.Errorf("%+v refused: %v", c, c.Validate())
		}
	}
}
