package trace

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestProtocolText: each protocol reads and writes as the name the JSON
// contract and -P use; the zero Protocol as ""; anything else is refused.
func TestProtocolText(t *testing.T) {
	names := map[Protocol]string{ICMP: "icmp", UDP: "udp", TCP: "tcp"}
	if got := len(Protocols()); got != len(names) {
		t.Fatalf("%d protocols, want %d", got, len(names))
	}
	for _, p := range Protocols() {
		b, err := json.Marshal(Result{Protocol: p})
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Protocol string `json:"protocol"`
		}
		if err := json.Unmarshal(b, &doc); err != nil || doc.Protocol != names[p] {
			t.Errorf("%v: JSON protocol %q (%v), want %q", p, doc.Protocol, err, names[p])
		}
		var back Result
		if err := json.Unmarshal(b, &back); err != nil || back.Protocol != p {
			t.Errorf("%s: read back as %v (%v)", names[p], back.Protocol, err)
		}
		if q, err := ParseProtocol(names[p]); err != nil || q != p {
			t.Errorf("ParseProtocol(%q) = %v, %v", names[p], q, err)
		}
	}
	var zero Protocol
	if b, err := zero.MarshalText(); err != nil || len(b) != 0 {
		t.Errorf("zero protocol marshals as %q, %v", b, err)
	}
	if err := zero.UnmarshalText(nil); err != nil || zero != 0 {
		t.Errorf("empty text reads as %v, %v", zero, err)
	}
	if _, err := Protocol(numProtocols + 1).MarshalText(); err == nil {
		t.Error("an unknown protocol marshals")
	}
	for _, s := range []string{"", "sctp", "ICMP", "udp "} {
		_, err := ParseProtocol(s)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "Protocol" || ce.Value != s || !errors.Is(err, ErrConfig) {
			t.Errorf("ParseProtocol(%q): %v, want a ConfigError for Protocol", s, err)
		}
		if err := zero.UnmarshalText([]byte(s)); s != "" && err == nil {
			t.Errorf("UnmarshalText(%q) accepted", s)
		}
	}
}

// TestProtocolSizes: packet sizes as traceroute prints them in its header
// ("60 byte packets" for its default UDP probes) and each protocol's
// default port.
func TestProtocolSizes(t *testing.T) {
	for _, c := range []struct {
		p       Protocol
		v6      bool
		payload int
		size    int
		port    int
	}{
		{UDP, false, 32, 60, 33434},
		{UDP, true, 32, 80, 33434},
		{ICMP, false, 32, 60, 0},
		{ICMP, true, 56, 104, 0},
		{TCP, false, 32, 44, 443},
		{TCP, true, 1000, 64, 443},
		{0, false, 32, 0, 0},
	} {
		if got := c.p.PacketSize(c.v6, c.payload); got != c.size {
			t.Errorf("%v v6=%v: %d byte packets, want %d", c.p, c.v6, got, c.size)
		}
		if got := c.p.DefaultPort(); got != c.port {
			t.Errorf("%v: default port %d, want %d", c.p, got, c.port)
		}
	}
}
