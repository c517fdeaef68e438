package trace

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"netdx/internal/testkit"
)

// TestNamesNeverBlock: a resolver that never answers costs Name its wait,
// not more, each address is looked up once, and Close ends the lookups.
func TestNamesNeverBlock(t *testing.T) {
	before := runtime.NumGoroutine()
	dials := make(chan struct{}, 10)
	n := &Names{Timeout: time.Hour, Resolver: &net.Resolver{PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			dials <- struct{}{}
			<-ctx.Done()
			return nil, errors.New("no dns in tests")
		}}}
	a := netip.MustParseAddr("198.18.1.2")
	n.Prefetch(a)
	n.Prefetch(a)
	if got := n.Name(a, 20*time.Millisecond); got != "" {
		t.Errorf("name %q from a resolver that never answers", got)
	}
	n.Close()
	if len(dials) == 0 {
		t.Error("no lookup was made")
	}
	testkit.WaitGoroutines(t, before)
}

// TestNamesBound: past MaxNames addresses, no more lookups start; the
// others stay numeric at once.
func TestNamesBound(t *testing.T) {
	var lookups int
	n := &Names{Timeout: time.Hour, Resolver: &net.Resolver{PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return nil, errors.New("no dns in tests")
		}}}
	defer n.Close()
	for i := range MaxNames + 500 {
		n.Prefetch(netip.AddrFrom4([4]byte{198, 19, byte(i >> 8), byte(i)}))
	}
	n.mu.Lock()
	lookups = len(n.m)
	n.mu.Unlock()
	if lookups != MaxNames {
		t.Errorf("%d addresses looked up, want %d", lookups, MaxNames)
	}
	if got := n.Name(netip.MustParseAddr("198.18.200.1"), time.Hour); got != "" {
		t.Errorf("name %q past the bound", got)
	}
}
