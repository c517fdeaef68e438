package sockets

import (
	"errors"
	"net/netip"
	"testing"
)

func TestConfigRefusals(t *testing.T) {
	for _, tc := range []struct {
		field string
		cfg   Config
	}{
		{"Proto", Config{Proto: "sctp"}},
		{"States", Config{States: []string{"LISTEN", "FOO"}}},
		{"PIDs", Config{PIDs: []int{1, -1}}},
		{"PIDs", Config{PIDs: []int{0}}},
		{"PIDs", Config{PIDs: []int{MaxPID + 1}}},
		{"AllowedGateways", Config{AllowedGateways: []netip.Addr{{}}}},
		{"TimeWaitPileup", Config{TimeWaitPileup: ExplicitZero}},
		{"TimeWaitPileup", Config{TimeWaitPileup: -3}},
		{"NetNS", Config{NetNS: "/run/netns/netdx-no-such-namespace"}},
	} {
		err := tc.cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrConfig) || !errors.Is(err, ErrBadFilter) {
			t.Errorf("%+v: %v, want a ConfigError for %s", tc.cfg, err, tc.field)
		}
		if ce != nil && ce.Value == ExplicitZero {
			t.Errorf("%s: the error shows ExplicitZero, not 0", tc.field)
		}
	}
	if c, err := (Config{}).withDefaults(); err != nil || c.TimeWaitPileup != 1000 {
		t.Errorf("defaults: %+v %v", c, err)
	}
}
