package probe

import (
	"context"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"
)

// TestPingDeadlineTakesWhatArrived: a reply that arrived before the run's
// deadline while the process was descheduled (it waits in the socket,
// unread) still counts when the deadline comes.
func TestPingDeadlineTakesWhatArrived(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeHost(false, true, 500*time.Millisecond, nil)
		time.AfterFunc(1200*time.Millisecond, func() { h.stalled.Store(true) }) // the second reply comes at 1.5 s
		cfg := DefaultConfig()
		cfg.Count, cfg.Deadline = 2, 1600*time.Millisecond
		res, err := run(context.Background(), cfg, []Target{{"t", netip.MustParseAddr("198.18.2.1")}}, fakeListen(h))
		if err != nil {
			t.Fatal(err)
		}
		if r := res[0]; r.Sent != 2 || r.Received != 2 || r.RTT == nil || r.RTT.Max != 500 {
			t.Errorf("%+v: want both replies, after 500 ms each", r)
		}
		synctest.Wait()
	})
}
