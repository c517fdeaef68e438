package link

import (
	"fmt"
	"testing"
	"time"
)

func TestComputeRates(t *testing.T) {
	prev := Stats{RxPackets: 1000, TxPackets: 500, RxBytes: 1e6, TxBytes: 5e5, RxErrors: 2, RxDropped: 1}
	cur := Stats{RxPackets: 2900, TxPackets: 1500, RxBytes: 3e6, TxBytes: 6e5, RxErrors: 102, RxDropped: 1, RxCRCErrors: 100}
	r := ComputeRates(prev, cur, 2*time.Second)
	if r.Reset {
		t.Fatal("reset on counters that grew")
	}
	if r.RxPPS != 950 || r.TxPPS != 500 || r.RxBPS != 1e6 || r.TxBPS != 5e4 || r.RxErrorsPS != 50 {
		t.Errorf("rates %+v", r)
	}
	// 100 bad of 1900 good + 100 bad.
	if r.RxErrorRatio != 0.05 || r.TxErrorRatio != 0 || r.RxDropRatio != 0 {
		t.Errorf("ratios rx err %v tx err %v rx drop %v", r.RxErrorRatio, r.TxErrorRatio, r.RxDropRatio)
	}
	if r.Delta.RxCRCErrors != 100 || r.IntervalMS != 2000 {
		t.Errorf("delta %+v interval %v", r.Delta, r.IntervalMS)
	}
}

// TestComputeRatesReset: a counter going backwards (driver reset, link
// re-created) is a reset, not a rate of 2^64 packets a second.
func TestComputeRatesReset(t *testing.T) {
	prev := Stats{RxPackets: 1 << 40, TxPackets: 10}
	cur := Stats{RxPackets: 5, TxPackets: 20}
	r := ComputeRates(prev, cur, time.Second)
	if !r.Reset || r.RxPPS != 0 || r.TxPPS != 0 {
		t.Errorf("rates %+v, want reset with zero rates", r)
	}
}

// TestCarrierDelta: carrier changes over an interval; a count going
// backwards (the interface was re-created) is a reset, as for the counters.
func TestCarrierDelta(t *testing.T) {
	for _, tc := range []struct {
		prev, cur uint32
		reset     bool
		want      uint32
		wantReset bool
	}{
		{2, 2, false, 0, false},
		{2, 14, false, 12, false},
		{14, 2, false, 0, true},
		{2, 14, true, 0, true},
	} {
		got, reset := carrierDelta(tc.prev, tc.cur, tc.reset)
		if got != tc.want || reset != tc.wantReset {
			t.Errorf("carrierDelta(%d, %d, %v) = %d, %v; want %d, %v", tc.prev, tc.cur, tc.reset, got, reset, tc.want, tc.wantReset)
		}
	}
}

func ExampleComputeRates() {
	prev := Stats{RxPackets: 10000, RxErrors: 0}
	cur := Stats{RxPackets: 19900, RxErrors: 100}
	r := ComputeRates(prev, cur, 10*time.Second)
	fmt.Printf("%.0f packets/s, %.0f errors/s, %.1f%% of packets bad\n", r.RxPPS, r.RxErrorsPS, 100*r.RxErrorRatio)
	// Output: 990 packets/s, 10 errors/s, 1.0% of packets bad
}
