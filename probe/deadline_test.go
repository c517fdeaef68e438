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

// TestPingDeadlineSends: with a Deadline, no request goes out at the
// deadline or after it (its answer could not count: iputils sends none,
// and netdx sent one and counted it lost), and with CountAnswers the count
// is of answers: a silent target gets requests until the deadline, a
// clean one its count and no more, an unreachable one ends with its
// errors. The figures are iputils 20221126's on the same settings in the
// lab (TestIntegrationCompatPingDeadline runs both).
func TestPingDeadlineSends(t *testing.T) {
	a := netip.MustParseAddr
	for _, tc := range []struct {
		name                     string
		count                    int
		answers                  bool
		interval, deadline       time.Duration
		behave                   string
		sent, received, answered int
	}{
		{"-w 1 -i 0.2", UntilStopped, false, 200 * time.Millisecond, time.Second, "", 5, 5, 5},
		{"-w 1 -i 0.25", UntilStopped, false, 250 * time.Millisecond, time.Second, "", 4, 4, 4},
		{"-w 1 -i 0.3", UntilStopped, false, 300 * time.Millisecond, time.Second, "", 4, 4, 4},
		{"-w 2", UntilStopped, false, time.Second, 2 * time.Second, "", 2, 2, 2},
		{"-w 2, silent", UntilStopped, false, time.Second, 2 * time.Second, "drop", 2, 0, 0},
		{"-c 3 -w 1 -i 0.2", 3, true, 200 * time.Millisecond, time.Second, "", 3, 3, 3},
		{"-c 3 -w 1 -i 0.2, silent", 3, true, 200 * time.Millisecond, time.Second, "drop", 5, 0, 0},
		{"-c 2 -w 3, silent", 2, true, time.Second, 3 * time.Second, "drop", 3, 0, 0},
		{"-c 10 -w 1 -i 0.2", 10, true, 200 * time.Millisecond, time.Second, "", 5, 5, 5},
		{"-c 3 -w 5 -i 0.2, unreachable", 3, true, 200 * time.Millisecond, 5 * time.Second, "unreach", 3, 0, 3},
		// A count of requests (check_ping's -p) stays one.
		{"3 requests, 5 s", 3, false, 200 * time.Millisecond, 5 * time.Second, "drop", 3, 0, 0},
	} {
		synctest.Test(t, func(t *testing.T) {
			dst := a("198.18.2.1")
			h := newFakeHost(false, true, 10*time.Millisecond, map[netip.Addr]string{dst: tc.behave})
			cfg := DefaultConfig()
			cfg.Count, cfg.CountAnswers, cfg.Interval, cfg.Deadline = tc.count, tc.answers, tc.interval, tc.deadline
			res, err := run(context.Background(), cfg, []Target{{"t", dst}}, fakeListen(h))
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			errs := 0
			for _, e := range r.ICMPErrors {
				errs += e.Count
			}
			if r.Sent != tc.sent || r.Received != tc.received || r.Received+errs != tc.answered {
				t.Errorf("%s: sent %d, received %d, %d errors; want %d, %d, %d answered", tc.name, r.Sent, r.Received, errs, tc.sent, tc.received, tc.answered)
			}
			synctest.Wait()
		})
	}
}
