package trace

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"netdx/probe"
)

// withConfig is DefaultConfig changed by set: tests start where every
// caller does.
func withConfig(set func(*Config)) Config {
	c := DefaultConfig()
	set(&c)
	return c
}

// TestConfigRefusals: every value that cannot mean anything is refused
// with a ConfigError naming its field and the value given, never replaced
// by a default: zero among them.
func TestConfigRefusals(t *testing.T) {
	v4 := netip.MustParseAddr("198.18.4.2")
	for _, tc := range []struct {
		field string
		value any
		set   func(*Config)
	}{
		{"Protocol", Protocol(numProtocols + 1), func(c *Config) { c.Protocol = numProtocols + 1 }},
		{"Protocol", Protocol(0), func(c *Config) { c.Protocol = 0 }},
		{"Port", 0, func(c *Config) { c.Port = 0 }},
		{"Port", 65536, func(c *Config) { c.Port = 65536 }},
		{"FirstTTL", 0, func(c *Config) { c.FirstTTL = 0 }},
		{"FirstTTL", 5, func(c *Config) { c.FirstTTL, c.MaxTTL = 5, 3 }},
		{"MaxTTL", 0, func(c *Config) { c.MaxTTL = 0 }},
		{"MaxTTL", 256, func(c *Config) { c.MaxTTL = 256 }},
		{"Queries", 0, func(c *Config) { c.Queries = 0 }},
		{"Queries", 11, func(c *Config) { c.Queries = 11 }},
		{"Flows", 0, func(c *Config) { c.Flows = 0 }},
		{"Flows", 65, func(c *Config) { c.Flows = 65 }},
		{"Flows", 64, func(c *Config) { c.MaxTTL, c.Queries, c.Flows = 255, 10, 64 }},
		{"Wait", time.Duration(0), func(c *Config) { c.Wait = 0 }},
		{"Wait", time.Nanosecond, func(c *Config) { c.Wait = time.Nanosecond }}, // -w 1e-12
		{"Wait", -time.Second, func(c *Config) { c.Wait = -time.Second }},
		{"Wait", time.Hour, func(c *Config) { c.Wait = time.Hour }},
		{"PPS", 0, func(c *Config) { c.PPS = 0 }},
		{"PPS", -5, func(c *Config) { c.PPS = -5 }},
		{"Size", 0, func(c *Config) { c.Size = 0 }},
		{"Size", 70000, func(c *Config) { c.Size = 70000 }},
		{"Size", 8, func(c *Config) { c.Protocol, c.Size = ICMP, 8 }}, // the payload carries 16
		{"Retries", 4, func(c *Config) { c.Retries = 4 }},
		{"Retries", -1, func(c *Config) { c.Retries = -1 }},
		{"MTU", true, func(c *Config) { c.MTU, c.Protocol = true, TCP }},
		{"Mode", "datagram", func(c *Config) { c.Protocol, c.Mode = TCP, probe.ModeDatagram }},
		{"Mode", 9, func(c *Config) { c.Mode = probe.Mode(9) }},
		{"Interface", "a-name-longer-than-15", func(c *Config) { c.Interface = "a-name-longer-than-15" }},
		{"Source", netip.MustParseAddr("2001:db8::1"), func(c *Config) { c.Source = netip.MustParseAddr("2001:db8::1") }},
	} {
		cfg := withConfig(tc.set)
		for _, target := range []netip.Addr{v4, {}} {
			if !target.IsValid() && tc.field == "Source" {
				continue // a check that needs the target
			}
			err := cfg.Validate(target)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || ce.Value != tc.value || !errors.Is(err, ErrConfig) || ce.Reason == "" {
				t.Errorf("%s %v (target %v): %v, want a ConfigError for it", tc.field, tc.value, target, err)
			}
		}
	}
	for _, c := range []Config{DefaultConfig(), DefaultReportConfig(), withConfig(func(c *Config) { c.Retries = 0 }),
		withConfig(func(c *Config) { c.Protocol, c.Port = ICMP, ICMP.DefaultPort() })} { // no port to check
		if err := c.Validate(v4); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestValidateReport(t *testing.T) {
	for _, tc := range []struct {
		rounds   int
		interval time.Duration
		field    string
	}{
		{0, time.Second, "Rounds"}, {MaxRounds + 1, time.Second, "Rounds"}, {1, -1, "Interval"}, {1, 2 * time.Hour, "Interval"},
		{10, 0, "Interval"}, // mtr's -i 0 is refused too: all rounds at once
	} {
		var ce *ConfigError
		if err := ValidateReport(tc.rounds, tc.interval); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%d rounds every %v: %v, want a ConfigError for %s", tc.rounds, tc.interval, err, tc.field)
		}
	}
	if err := ValidateReport(10, time.Millisecond); err != nil {
		t.Errorf("10 rounds 1 ms apart: %v", err)
	}
	// RunReport takes the interval as given: 0 is refused, not 1 s.
	var ce *ConfigError
	_, err := RunReport(context.Background(), netip.MustParseAddr("198.18.4.2"), DefaultReportConfig(), Rounds{Count: 3})
	if !errors.As(err, &ce) || ce.Field != "Interval" || ce.Value != time.Duration(0) {
		t.Errorf("rounds without an interval: %v, want a ConfigError for it", err)
	}
}

// TestConfigZone: a zone must name an interface (by name or index); the
// target is sent to with the interface's index, and matched without zone.
func TestConfigZone(t *testing.T) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skipf("no loopback interface: %v", err)
	}
	for _, z := range []string{"lo", strconv.Itoa(lo.Index)} {
		c, err := DefaultConfig().forTarget(netip.MustParseAddr("fe80::1%" + z))
		if err != nil {
			t.Fatalf("zone %s: %v", z, err)
		}
		if c.dst() != netip.MustParseAddr("fe80::1%"+strconv.Itoa(lo.Index)) || c.target.Zone() != z {
			t.Errorf("zone %s: dst %s target %s", z, c.dst(), c.target)
		}
	}
	for _, z := range []string{"nosuch", "99999"} {
		err := DefaultConfig().Validate(netip.MustParseAddr("fe80::1%" + z))
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `zone "`+z+`"`) {
			t.Errorf("zone %s: err %v, want ErrConfig naming the zone", z, err)
		}
	}
	if c, _ := DefaultConfig().forTarget(netip.MustParseAddr("2001:db8::2")); c.dst() != netip.MustParseAddr("2001:db8::2") {
		t.Errorf("no zone: dst %s", c.dst())
	}
}
