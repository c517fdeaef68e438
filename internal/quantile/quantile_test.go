package quantile

import (
	"testing"
	"time"
)

// TestRank checks nearest ranks worked out by hand: the smallest value
// with at least p percent of the sample at or below it.
func TestRank(t *testing.T) {
	for _, tc := range []struct {
		n    int
		p    float64
		want int
	}{
		{1, 50, 0}, {1, 0, 0}, {1, 100, 0},
		{2, 50, 0}, {2, 51, 1}, {3, 50, 1}, {4, 50, 1}, {5, 50, 2},
		{10, 95, 9}, {20, 95, 18}, {100, 95, 94}, {100, 99, 98}, {101, 99, 99},
		{4, 0, 0}, {4, 25, 0}, {4, 26, 1}, {4, 100, 3},
	} {
		if got := Rank(tc.n, tc.p); got != tc.want {
			t.Errorf("Rank(%d, %v) = %d, want %d", tc.n, tc.p, got, tc.want)
		}
	}
}

func TestMedian(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	in := ms(40, 10, 30, 20)
	if got := Median(in); got != 20*time.Millisecond {
		t.Errorf("median of 10..40 ms: %v, want the lower middle value, 20ms", got)
	}
	if in[0] != 40*time.Millisecond {
		t.Error("Median sorted its argument")
	}
	if got := Median(ms(7, 3, 5)); got != 5*time.Millisecond {
		t.Errorf("median of 3, 5, 7 ms: %v", got)
	}
	if got := Median[time.Duration](nil); got != 0 {
		t.Errorf("median of nothing: %v", got)
	}
	if got := Of([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 95); got != 10 {
		t.Errorf("95th percentile of 1..10: %v", got)
	}
}
