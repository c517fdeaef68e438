package probe

import (
	"errors"
	"math"
	"net/netip"
	"testing"
	"time"
)

// TestConfigRefusals: every value that cannot mean anything is refused
// with a ConfigError naming its field, never replaced by a default.
func TestConfigRefusals(t *testing.T) {
	for _, tc := range []struct {
		field string
		cfg   Config
	}{
		{"Count", Config{Count: ExplicitZero}},
		{"Count", Config{Count: -1}},
		{"Interval", Config{Interval: ExplicitZero}},
		{"Interval", Config{Interval: time.Nanosecond}}, // -i 1e-12, rounded up, not to 0
		{"Interval", Config{Interval: -time.Second}},
		{"Interval", Config{Interval: math.MaxInt64}},
		{"Timeout", Config{Timeout: time.Nanosecond}},
		{"Timeout", Config{Timeout: ExplicitZero}},
		{"Deadline", Config{Deadline: time.Nanosecond}}, // -w 1e-12 ran forever
		{"Deadline", Config{Deadline: ExplicitZero}},
		{"Size", Config{Size: ExplicitZero}},
		{"Size", Config{Size: 8}},
		{"Size", Config{Size: 65508}},
		{"Rate", Config{Rate: math.NaN()}},
		{"Rate", Config{Rate: math.Inf(1)}},
		{"Rate", Config{Rate: ExplicitZero}},
		{"Rate", Config{Rate: -1}},
		{"Rate", Config{Rate: 2e9}},
		{"TTL", Config{TTL: ExplicitZero}},
		{"TTL", Config{TTL: 256}},
		{"TOS", Config{TOS: 256}},
		{"DontFragment", Config{DontFragment: true, AllowFragment: true}},
		{"Mode", Config{Mode: Mode(42)}},
		{"Interface", Config{Interface: "a-name-longer-than-15"}},
		{"Interface", Config{Interface: "eth0/1"}},
	} {
		err := tc.cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrConfig) || ce.Reason == "" {
			t.Errorf("%+v: %v, want a ConfigError for %s", tc.cfg, err, tc.field)
		}
		if ce != nil && ce.Value == ExplicitZero {
			t.Errorf("%s: the error shows ExplicitZero, not 0", tc.field)
		}
	}
}

func TestConfigExplicitZeroAndDefaults(t *testing.T) {
	c, err := Config{TOS: ExplicitZero}.withDefaults()
	if err != nil || c.TOS != 0 {
		t.Errorf("TOS ExplicitZero: %d %v, want 0", c.TOS, err)
	}
	c, err = Config{Interval: time.Millisecond, Timeout: MaxTiming, Deadline: time.Hour, Rate: 0.5}.withDefaults()
	if err != nil || c.Interval != time.Millisecond || c.Rate != 0.5 {
		t.Errorf("bounds: %+v %v", c, err)
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
