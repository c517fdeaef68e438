package icmpmsg

import (
	"errors"
	"net/netip"
	"testing"

	"netdx/internal/fixture"
)

// TestQuoteTruncated cuts a captured quote down to what RFC 792 routers
// send (IP header + 8 bytes) and below it.
func TestQuoteTruncated(t *testing.T) {
	pk := fixture.ReadTcpdump(t, "testdata/captured/v4-unreach-code1.txt")[1]
	_, b, _ := fixture.ICMPOf(pk.IP)
	m, err := ParseMessage(false, b)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQuote(m.Quote[:28])
	if err != nil {
		t.Fatalf("28-byte quote: %v", err)
	}
	if sp, dp := q.Ports(); dp != 33434 || sp == 0 || q.Dst != netip.MustParseAddr("198.18.3.2") {
		t.Errorf("ports %d > %d to %s", sp, dp, q.Dst)
	}
	for _, n := range []int{27, 20, 12, 0} {
		if _, err := ParseQuote(m.Quote[:n]); err == nil || !errors.Is(err, ErrTruncated) {
			t.Errorf("%d-byte quote: err %v, want ErrTruncated", n, err)
		}
	}
	if _, err := ParseMessage(false, b[:6]); !errors.Is(err, ErrTruncated) {
		t.Errorf("6-byte message: err %v, want ErrTruncated", err)
	}
}
