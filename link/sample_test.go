package link

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestReadBetween: two samples read on the caller's schedule give rates
// over the real time between them, and Between without a previous sample
// gives counters since boot only. It reads the test's own namespace, which
// needs no privilege.
func TestReadBetween(t *testing.T) {
	if _, err := os.Stat("/proc/thread-self/net/snmp"); err != nil {
		t.Skip("no /proc/net/snmp here")
	}
	ctx := context.Background()
	cfg := Config{}
	first, err := Read(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	snap := Between(nil, first)
	if snap.TCP.Interval != nil || len(snap.Links) == 0 || snap.Links[0].Rates != nil {
		t.Fatalf("no previous sample must mean counters since boot: %+v", snap)
	}
	time.Sleep(5 * time.Millisecond) // the interval being measured, not a wait for something
	second, err := Read(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	snap = Between(&first, second)
	want := float64(second.Time().Sub(first.Time())) / float64(time.Millisecond)
	if snap.TCP.Interval == nil || snap.Links[0].Rates == nil || snap.Links[0].Rates.IntervalMS != want {
		t.Fatalf("rates over %.3f ms expected: %+v", want, snap.Links[0].Rates)
	}
	// The same sample twice is no interval.
	snap = Between(&second, second)
	if snap.TCP.Interval != nil {
		t.Error("a sample against itself gave an interval")
	}
}
