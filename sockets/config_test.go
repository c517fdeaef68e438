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
	if _, err := (Config{}).withDefaults(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}
