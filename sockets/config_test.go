package sockets

import (
	"errors"
	"net/netip"
	"testing"
)

// withConfig is DefaultConfig changed by set: tests start where every
// caller does.
func withConfig(set func(*Config)) Config {
	c := DefaultConfig()
	set(&c)
	return c
}

func TestConfigRefusals(t *testing.T) {
	for _, tc := range []struct {
		field string
		cfg   Config
	}{
		{"Protos", Config{Protos: []string{"sctp"}}},
		{"Protos", Config{Protos: []string{""}}},
		{"Protos", Config{Protos: []string{"tcp", "tcp"}}},
		{"Protos", Config{}},
		{"States", withConfig(func(c *Config) { c.States = []string{"LISTEN", "FOO"} })},
		{"PIDs", withConfig(func(c *Config) { c.PIDs = []int{1, -1} })},
		{"PIDs", withConfig(func(c *Config) { c.PIDs = []int{0} })},
		{"PIDs", withConfig(func(c *Config) { c.PIDs = []int{MaxPID + 1} })},
		{"AllowedGateways", withConfig(func(c *Config) { c.AllowedGateways = []netip.Addr{{}} })},
		{"NetNS", withConfig(func(c *Config) { c.NetNS = "/run/netns/netdx-no-such-namespace" })},
	} {
		err := tc.cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrConfig) || !errors.Is(err, ErrBadFilter) {
			t.Errorf("%+v: %v, want a ConfigError for %s", tc.cfg, err, tc.field)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}
