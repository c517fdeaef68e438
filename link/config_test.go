package link

import (
	"errors"
	"testing"
	"time"
)

func TestConfigRefusals(t *testing.T) {
	for _, tc := range []struct {
		field string
		cfg   Config
		watch bool
	}{
		{"Interval", Config{Interval: -time.Second}, false},
		{"Interval", Config{Interval: time.Nanosecond}, false},
		{"Interval", Config{Interval: 0}, true},
		{"Interfaces", Config{Interfaces: []string{""}}, false},
		{"Interfaces", Config{Interfaces: []string{"eth0", "a/b"}}, false},
		{"NetNS", Config{NetNS: "/run/netns/netdx-no-such-namespace"}, false},
	} {
		err := tc.cfg.Validate(tc.watch)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrConfig) {
			t.Errorf("%+v (watch %v): %v, want a ConfigError for %s", tc.cfg, tc.watch, err, tc.field)
		}
	}
}

// TestConfigZeroes: zero is taken as it is where it means something (no
// sampling), and Watch's default samples every second.
func TestConfigZeroes(t *testing.T) {
	if err := (Config{}).Validate(false); err != nil {
		t.Errorf("no interval for Collect: %v", err)
	}
	if c := DefaultConfig(); c.Interval != 0 || c.Validate(false) != nil {
		t.Errorf("DefaultConfig %+v: want counters since boot", c)
	}
	if c := DefaultWatchConfig(); c.Interval != time.Second || c.Validate(true) != nil {
		t.Errorf("DefaultWatchConfig %+v: want a sample a second", c)
	}
}
