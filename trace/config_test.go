package trace

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"netdx/probe"
)

// TestConfigRefusals: every value that cannot mean anything is refused
// with a ConfigError naming its field, never replaced by a default.
func TestConfigRefusals(t *testing.T) {
	v4 := netip.MustParseAddr("198.18.4.2")
	for _, tc := range []struct {
		field string
		cfg   Config
	}{
		{"Protocol", Config{Protocol: numProtocols + 1}},
		{"Port", Config{Port: ExplicitZero}},
		{"Port", Config{Port: 65536}},
		{"FirstTTL", Config{FirstTTL: ExplicitZero}},
		{"FirstTTL", Config{FirstTTL: 5, MaxTTL: 3}},
		{"MaxTTL", Config{MaxTTL: ExplicitZero}},
		{"MaxTTL", Config{MaxTTL: 256}},
		{"Queries", Config{Queries: ExplicitZero}},
		{"Queries", Config{Queries: 11}},
		{"Flows", Config{Flows: ExplicitZero}},
		{"Flows", Config{Flows: 65}},
		{"Flows", Config{MaxTTL: 255, Queries: 10, Flows: 64}},
		{"Wait", Config{Wait: ExplicitZero}},
		{"Wait", Config{Wait: time.Nanosecond}}, // -w 1e-12
		{"Wait", Config{Wait: -time.Second}},
		{"Wait", Config{Wait: time.Hour}},
		{"PPS", Config{PPS: ExplicitZero}},
		{"PPS", Config{PPS: -5}},
		{"Size", Config{Size: ExplicitZero}},
		{"Size", Config{Size: 70000}},
		{"Retries", Config{Retries: 4}},
		{"MTU", Config{MTU: true, Protocol: TCP}},
		{"Mode", Config{Protocol: TCP, Mode: probe.ModeDatagram}},
		{"Mode", Config{Mode: probe.Mode(9)}},
		{"Interface", Config{Interface: "a-name-longer-than-15"}},
		{"Source", Config{Source: netip.MustParseAddr("2001:db8::1")}},
	} {
		for _, target := range []netip.Addr{v4, {}} {
			err := tc.cfg.Validate(target)
			if !target.IsValid() && (tc.field == "Source" || tc.cfg.FirstTTL == 5 || tc.cfg.Flows == 64) {
				// Checks that need the target or the defaults.
				continue
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrConfig) || ce.Reason == "" {
				t.Errorf("%+v (target %v): %v, want a ConfigError for %s", tc.cfg, target, err, tc.field)
			}
			if ce != nil && ce.Value == ExplicitZero {
				t.Errorf("%s: the error shows ExplicitZero, not 0", tc.field)
			}
		}
	}
	if err := (Config{}).Validate(v4); err != nil {
		t.Errorf("zero config: %v", err)
	}
}

func TestValidateReport(t *testing.T) {
	for _, tc := range []struct {
		rounds   int
		interval time.Duration
		field    string
	}{
		{0, time.Second, "Rounds"}, {MaxRounds + 1, 0, "Rounds"}, {1, -1, "Interval"}, {1, 2 * time.Hour, "Interval"},
	} {
		var ce *ConfigError
		if err := ValidateReport(tc.rounds, tc.interval); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%d rounds every %v: %v, want a ConfigError for %s", tc.rounds, tc.interval, err, tc.field)
		}
	}
	if err := ValidateReport(10, 0); err != nil {
		t.Errorf("10 rounds back to back: %v", err)
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
		c, err := Config{}.withDefaults(netip.MustParseAddr("fe80::1%" + z))
		if err != nil {
			t.Fatalf("zone %s: %v", z, err)
		}
		if c.dst() != netip.MustParseAddr("fe80::1%"+strconv.Itoa(lo.Index)) || c.target.Zone() != z {
			t.Errorf("zone %s: dst %s target %s", z, c.dst(), c.target)
		}
	}
	for _, z := range []string{"nosuch", "99999"} {
		err := Config{}.Validate(netip.MustParseAddr("fe80::1%" + z))
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `zone "`+z+`"`) {
			t.Errorf("zone %s: err %v, want ErrConfig naming the zone", z, err)
		}
	}
	if c, _ := (Config{}).withDefaults(netip.MustParseAddr("2001:db8::2")); c.dst() != netip.MustParseAddr("2001:db8::2") {
		t.Errorf("no zone: dst %s", c.dst())
	}
	if err := (Config{Protocol: ICMP, Size: 8}).Validate(netip.MustParseAddr("198.18.1.1")); !errors.Is(err, ErrConfig) {
		t.Errorf("icmp probes of 8 bytes: %v, want ErrConfig (the payload needs 16)", err)
	}
}
