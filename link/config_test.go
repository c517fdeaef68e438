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
		{"Interval", Config{Interval: ExplicitZero}, true},
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

func TestConfigZeroes(t *testing.T) {
	c, err := Config{Interval: ExplicitZero}.withDefaults(false)
	if err != nil || c.Interval != 0 {
		t.Errorf("an explicit zero for Collect: %+v %v, want zero: no sampling", c, err)
	}
	c, err = Config{}.withDefaults(true)
	if err != nil || c.Interval != time.Second {
		t.Errorf("Watch without an interval: %v %v, want 1s", c.Interval, err)
	}
}
