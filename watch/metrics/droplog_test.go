package metrics

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"netdx/internal/testkit"
)

// TestDropLogBounded: a reason is logged at most once an interval; the
// next line says how many were left out, and reasons do not hold each
// other back.
func TestDropLogBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf testkit.LogBuffer
		d := newDropLog(buf.Logger(), time.Minute)
		for range 100 {
			d.log("too many probes at once", "code", 503)
		}
		d.log("target outside --probe-allow", "code", 403)
		if got := buf.Count("dropped:"); got != 2 {
			t.Fatalf("%d lines for 100 drops of one reason and one of another, want 2:\n%s", got, buf.String())
		}
		time.Sleep(time.Minute)
		d.log("too many probes at once", "code", 503)
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if last := lines[len(lines)-1]; len(lines) != 3 || !strings.Contains(last, "dropped_unlogged=99") {
			t.Errorf("a minute later: %q, want a third line counting the 99 left out", lines)
		}
	})
}
