package resolver

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// fakeLookup answers names from a table and records what it was asked.
type fakeLookup struct {
	answers  map[string][]netip.Addr
	err      error
	networks []string
	deadline bool
}

func (f *fakeLookup) lookup(ctx context.Context, network, host string) ([]netip.Addr, error) {
	f.networks = append(f.networks, network)
	_, f.deadline = ctx.Deadline()
	if f.err != nil {
		return nil, f.err
	}
	a, ok := f.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return a, nil
}

func TestResolveAddresses(t *testing.T) {
	f := &fakeLookup{}
	for _, tc := range []struct {
		name   string
		family Family
		want   string
	}{
		{"198.18.0.1", Any, "198.18.0.1"},
		{"::ffff:198.18.0.1", IPv4, "198.18.0.1"},
		{"[2001:db8::1]", IPv6, "2001:db8::1"},
		{"fe80::1%eth0", Any, "fe80::1%eth0"},
	} {
		a, err := resolve(context.Background(), f.lookup, tc.name, tc.family)
		if err != nil || a.String() != tc.want {
			t.Errorf("%s (%v): %v %v, want %s", tc.name, tc.family, a, err, tc.want)
		}
	}
	if len(f.networks) != 0 {
		t.Errorf("addresses looked up: %v", f.networks)
	}
	for _, tc := range []struct {
		name   string
		family Family
		want   string
	}{
		{"198.18.0.1", IPv6, "(-6)"},
		{"::ffff:198.18.0.1", IPv6, "(-6)"},
		{"2001:db8::1", IPv4, "(-4)"},
	} {
		_, err := resolve(context.Background(), f.lookup, tc.name, tc.family)
		if err == nil || !strings.Contains(err.Error(), "not of the family asked for "+tc.want) {
			t.Errorf("%s (%v): %v, want the family refused %s", tc.name, tc.family, err, tc.want)
		}
	}
}

func TestResolveNames(t *testing.T) {
	f := &fakeLookup{answers: map[string][]netip.Addr{
		"two.example":  {netip.MustParseAddr("::ffff:198.18.0.2"), netip.MustParseAddr("198.18.0.3")},
		"none.example": {},
	}}
	a, err := resolve(context.Background(), f.lookup, "two.example", IPv4)
	if err != nil || a != netip.MustParseAddr("198.18.0.2") {
		t.Errorf("two.example: %v %v, want the first address, unmapped", a, err)
	}
	if len(f.networks) != 1 || f.networks[0] != "ip4" || !f.deadline {
		t.Errorf("lookups %v (deadline %v), want one for ip4 with a deadline", f.networks, f.deadline)
	}
	if _, err := resolve(context.Background(), f.lookup, "nosuch.example", Any); err == nil || err.Error() != "cannot resolve: no such host" {
		t.Errorf("nosuch.example: %v", err)
	}
	if _, err := resolve(context.Background(), f.lookup, "none.example", IPv6); err == nil || err.Error() != "cannot resolve: no address" {
		t.Errorf("none.example: %v", err)
	}
	broken := &fakeLookup{err: context.DeadlineExceeded}
	if _, err := resolve(context.Background(), broken.lookup, "slow.example", Any); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow.example: %v, want the lookup's error wrapped", err)
	}
}

// TestAll: every name resolved once, in order; one that fails keeps its
// error and the others carry on.
func TestAll(t *testing.T) {
	f := &fakeLookup{answers: map[string][]netip.Addr{"a.example": {netip.MustParseAddr("198.18.0.4")}}}
	got := all(context.Background(), f.lookup, []string{"a.example", "nosuch.example", "2001:db8::9"}, Any)
	if len(got) != 3 || got[0].Addr.String() != "198.18.0.4" || got[0].Err != nil ||
		got[1].Name != "nosuch.example" || got[1].Err == nil || got[1].Addr.IsValid() ||
		got[2].Addr.String() != "2001:db8::9" || got[2].Err != nil {
		t.Errorf("%+v", got)
	}
	if len(f.networks) != 2 {
		t.Errorf("%d lookups, want one per name", len(f.networks))
	}
}
