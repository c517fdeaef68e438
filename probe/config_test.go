package probe

import (
	"errors"
	"math"
	"net/netip"
	"testing"
	"time"
)

// TestConfigRefusals: every value that cannot mean anything is refused
// with a ConfigError naming its field and the value given, never replaced
// by a default: zero among them.
func TestConfigRefusals(t *testing.T) {
	for _, tc := range []struct {
		field string
		set   func(*Config)
		value any
	}{
		{"Count", func(c *Config) { c.Count = 0 }, 0},
		{"Count", func(c *Config) { c.Count = -1 }, -1},
		{"Interval", func(c *Config) { c.Interval = 0 }, time.Duration(0)},
		{"Interval", func(c *Config) { c.Interval = time.Nanosecond }, time.Nanosecond}, // -i 1e-12, rounded up, not to 0
		{"Interval", func(c *Config) { c.Interval = -time.Second }, -time.Second},
		{"Interval", func(c *Config) { c.Interval = math.MaxInt64 }, time.Duration(math.MaxInt64)},
		{"Timeout", func(c *Config) { c.Timeout = time.Nanosecond }, time.Nanosecond},
		{"Timeout", func(c *Config) { c.Timeout = 0 }, time.Duration(0)},
		{"Deadline", func(c *Config) { c.Deadline = time.Nanosecond }, time.Nanosecond}, // -w 1e-12 ran forever
		{"Deadline", func(c *Config) { c.Deadline = -time.Second }, -time.Second},
		{"Size", func(c *Config) { c.Size = 0 }, 0},
		{"Size", func(c *Config) { c.Size = 8 }, 8},
		{"Size", func(c *Config) { c.Size = 65508 }, 65508},
		{"Rate", func(c *Config) { c.Rate = math.Inf(1) }, math.Inf(1)},
		{"Rate", func(c *Config) { c.Rate = 0 }, 0.0},
		{"Rate", func(c *Config) { c.Rate = -1 }, -1.0},
		{"Rate", func(c *Config) { c.Rate = 2e9 }, 2e9},
		{"TTL", func(c *Config) { c.TTL = 0 }, 0},
		{"TTL", func(c *Config) { c.TTL = -2 }, -2},
		{"TTL", func(c *Config) { c.TTL = 256 }, 256},
		{"TOS", func(c *Config) { c.TOS = 256 }, 256},
		{"DontFragment", func(c *Config) { c.DontFragment, c.AllowFragment = true, true }, true},
		{"ProbeMTU", func(c *Config) { c.ProbeMTU, c.DontFragment = true, true }, true},
		{"ProbeMTU", func(c *Config) { c.ProbeMTU, c.AllowFragment = true, true }, true},
		{"Mode", func(c *Config) { c.Mode = Mode(42) }, 42},
		{"Interface", func(c *Config) { c.Interface = "a-name-longer-than-15" }, "a-name-longer-than-15"},
		{"Interface", func(c *Config) { c.Interface = "eth0/1" }, "eth0/1"},
	} {
		cfg := DefaultConfig()
		tc.set(&cfg)
		err := cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || ce.Value != tc.value || !errors.Is(err, ErrConfig) || ce.Reason == "" {
			t.Errorf("%s %v: %v, want a ConfigError for it", tc.field, tc.value, err)
		}
	}
	cfg := DefaultConfig()
	cfg.Rate = math.NaN()
	if err := cfg.Validate(); !errors.Is(err, ErrConfig) {
		t.Errorf("rate NaN: %v", err)
	}
}

// TestConfigTakenAsGiven: what can run runs as given, zero included where
// it means something (no deadline, TOS 0), and the defaults are iputils'.
func TestConfigTakenAsGiven(t *testing.T) {
	d := DefaultConfig()
	if err := d.Validate(); err != nil {
		t.Fatalf("DefaultConfig refused: %v", err)
	}
	if d.Count != UntilStopped || d.Interval != time.Second || d.Timeout != 2*time.Second || d.Size != 56 || d.Deadline != 0 || d.TTL != KernelTTL {
		t.Errorf("defaults are not iputils': %+v", d)
	}
	for _, set := range []func(*Config){
		func(c *Config) { c.TOS = 0 },
		func(c *Config) { c.Deadline = 0 },
		func(c *Config) { c.TTL = 1 },
		func(c *Config) {
			c.Count, c.Interval, c.Timeout, c.Deadline, c.Rate = 1, time.Millisecond, MaxTiming, time.Hour, 0.5
		},
	} {
		cfg := DefaultConfig()
		set(&cfg)
		if err := cfg.Validate(); err != nil {
			t.Errorf("%+v refused: %v", cfg, err)
		}
	}
}

func TestCheckTargets(t *testing.T) {
	cfg := Config{Source: netip.MustParseAddr("198.18.0.1")}
	err := cfg.checkTargets([]Target{{Name: "a", Addr: netip.MustParseAddr("2001:db8::1")}})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "Source" {
		t.Errorf("v4 source, v6 target: %v", err)
	}
	if err := cfg.checkTargets([]Target{{Name: "b", Addr: netip.MustParseAddr("::ffff:198.18.0.2")}}); err != nil {
		t.Errorf("v4 source, v4-mapped target: %v", err)
	}
}
