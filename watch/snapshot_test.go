package watch

import (
	"strings"
	"testing"
	"time"

	"netdx/diagnose"
)

func echoWindow(sent, lost int, rtt time.Duration) *diagnose.Echo {
	e := &diagnose.Echo{Sent: sent, Received: sent - lost}
	for range sent - lost {
		e.RTTs = append(e.RTTs, rtt)
	}
	return e
}

// TestSnapshotTrigger: a snapshot is taken when a target's window crosses
// a threshold from below, not again while it stays above nor while one is
// being taken, and not within the gap; it re-arms below.
func TestSnapshotTrigger(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MinSample = 20
	cfg.Snapshot.MaxRTT, cfg.Snapshot.MaxLossPct, cfg.Snapshot.Gap = 50*time.Millisecond, 0.1, time.Minute
	w := &Watcher{cfg: cfg, snaps: make([]snapState, 1)}
	eval := func(at time.Duration, e *diagnose.Echo) string {
		crossing := map[int]string{}
		if r := crossed(w.cfg.Snapshot, e, w.cfg.MinSample); r != "" {
			crossing[0] = r
		}
		return w.snapshotsDue(t0.Add(at), crossing)[0]
	}
	if r := eval(0, echoWindow(10, 5, time.Millisecond)); r != "" {
		t.Errorf("a window under the minimum sample fired: %s", r)
	}
	if r := eval(time.Second, echoWindow(300, 0, 20*time.Millisecond)); r != "" {
		t.Errorf("a clean, fast window fired: %s", r)
	}
	r := eval(2*time.Second, echoWindow(300, 1, 20*time.Millisecond))
	if !strings.HasPrefix(r, "loss 0.33% > 0.1%") {
		t.Fatalf("one lost of 300 is above 0.1%%: %q", r)
	}
	if r := eval(3*time.Second, echoWindow(300, 1, 20*time.Millisecond)); r != "" {
		t.Errorf("fired again while above (and busy): %s", r)
	}
	w.snaps[0].busy = false
	eval(4*time.Second, echoWindow(300, 0, 20*time.Millisecond)) // below: re-armed
	if r := eval(5*time.Second, echoWindow(300, 0, 60*time.Millisecond)); r != "" {
		t.Errorf("fired within the gap: %s", r)
	}
	eval(6*time.Second, echoWindow(300, 0, 20*time.Millisecond))
	r = eval(2*time.Minute, echoWindow(300, 0, 60*time.Millisecond))
	if !strings.HasPrefix(r, "median RTT 60.0 ms > 50ms") {
		t.Errorf("slow window after the gap: %q", r)
	}
	w.cfg.Snapshot = DefaultSnapshotConfig()
	if r := eval(time.Hour, echoWindow(300, 300, 0)); r != "" {
		t.Errorf("no thresholds, no snapshots: %s", r)
	}
}
