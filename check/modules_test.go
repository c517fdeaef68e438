package check

import (
	"maps"
	"slices"
	"testing"
	"time"
)

// TestProbers: the modules /probe offers, each with its check.
func TestProbers(t *testing.T) {
	if got := slices.Sorted(maps.Keys(Probers())); !slices.Equal(got, []string{"diagnose", "icmp", "trace"}) {
		t.Errorf("modules %v", got)
	}
	d := DefaultProbeConfig()
	for name, pc := range map[string]PathConfig{"trace": d.Trace, "diagnose": d.Path} {
		if err := pc.Validate(); err != nil {
			t.Errorf("%s module: %v", name, err)
		}
		if pc.Trace.Wait != DefaultPathConfig().Trace.Wait {
			t.Errorf("%s module waits %v, not the path check's %v", name, pc.Trace.Wait, DefaultPathConfig().Trace.Wait)
		}
	}
	if !d.Trace.NoEcho || d.Path.NoEcho || d.Echo.Validate() != nil || d.Rules.Validate() != nil {
		t.Errorf("defaults %+v", d)
	}
}

// TestFitPath: a path check is shortened only as far as the budget
// forces: first its sample, then, only when even the shortest sample does
// not fit, the wait for the last answers.
func TestFitPath(t *testing.T) {
	c := DefaultPathConfig() // 3 s, then up to a 2 s wait
	for _, tc := range []struct {
		budget         time.Duration
		duration, wait time.Duration
	}{
		{10 * time.Second, 3 * time.Second, 2 * time.Second},                // fits
		{5200 * time.Millisecond, 3 * time.Second, 2 * time.Second},         // just fits
		{4500 * time.Millisecond, 2300 * time.Millisecond, 2 * time.Second}, // a smaller sample
		{2300 * time.Millisecond, 100 * time.Millisecond, 2 * time.Second},  // the smallest sample
		{time.Second, 100 * time.Millisecond, 700 * time.Millisecond},       // and a shorter wait
		{500 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond},
	} {
		f := fitPath(c, tc.budget)
		if f.Duration != tc.duration || f.Trace.Wait != tc.wait {
			t.Errorf("budget %v: %v of probing, %v wait; want %v, %v", tc.budget, f.Duration, f.Trace.Wait, tc.duration, tc.wait)
		}
		if f.Duration+max(f.Trace.Wait, f.EchoTimeout)+probeMargin > max(tc.budget, c.Duration+c.Trace.Wait+probeMargin) {
			t.Errorf("budget %v: %v + %v does not fit", tc.budget, f.Duration, f.Trace.Wait)
		}
		if err := f.Validate(); err != nil {
			t.Errorf("budget %v: the shortened check is refused: %v", tc.budget, err)
		}
	}
}
