package trace

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

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
	if err := (Config{Protocol: "icmp", Size: 8}).Validate(netip.MustParseAddr("198.18.1.1")); !errors.Is(err, ErrConfig) {
		t.Errorf("icmp probes of 8 bytes: %v, want ErrConfig (the payload needs 16)", err)
	}
}
