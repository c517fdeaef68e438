package backlog

import (
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"netdx/internal/testkit"
)

// TestOnFull: with the receiver down and room for 3, five messages
// arrive; each final action keeps what it says, logs its first drop once,
// and once the receiver is back the backlog arrives in order, followed by
// the notice of the episode.
func TestOnFull(t *testing.T) {
	for _, c := range []struct {
		onFull    OnFull
		delivered string
		logged    string
	}{
		{PurgeOldest, "c d e dropped!!", "purged the oldest waiting record"},
		{IgnoreNew, "a b c dropped!!", "ignored a new record"},
		{Stop, "a b c", "stopping"},
	} {
		t.Run(c.onFull.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f, log := newFake(), &testkit.LogBuffer{}
				f.set(func(f *fakeSender) { f.down = true })
				q := start(testConfig(c.onFull), f, log)
				push(q, "a")
				synctest.Wait() // a failed: the worker waits its backoff
				err := push(q, "b", "c", "d", "e")
				if stopped := errors.Is(err, ErrStopped); stopped != (c.onFull == Stop) {
					t.Errorf("push: %v", err)
				}
				if log.Count(c.logged) != 1 {
					t.Errorf("log lines saying %q: want 1:\n%s", c.logged, log)
				}
				s := q.Stats()
				if s.Waiting != 3 || s.Purged+s.Ignored+s.Refused != 2 || s.Stopped != (c.onFull == Stop) || !s.Failing || s.LastError != errDown.Error() {
					t.Errorf("stats while down %+v", s)
				}
				f.set(func(f *fakeSender) { f.down = false })
				time.Sleep(2 * time.Second) // past the first backoff
				if got := f.delivered(); got != c.delivered {
					t.Errorf("delivered %q, want %q", got, c.delivered)
				}
				if n := log.Count("backlog drained"); n != map[bool]int{true: 0, false: 1}[c.onFull == Stop] {
					t.Errorf("%d lines say the backlog drained:\n%s", n, log)
				}
				if c.onFull != Stop { // a second episode is logged as the first
					f.set(func(f *fakeSender) { f.down = true })
					push(q, "f")
					synctest.Wait()
					push(q, "g", "h", "i")
					if log.Count(c.logged) != 2 {
						t.Errorf("log lines saying %q: want 2:\n%s", c.logged, log)
					}
					f.set(func(f *fakeSender) { f.down = false })
				}
				if n, err := q.Close(); n != 0 || err != nil {
					t.Errorf("close: %d %v", n, err)
				}
				if err := push(q, "f"); !errors.Is(err, ErrClosed) {
					t.Errorf("push after close: %v", err)
				}
			})
		})
	}
}

// TestBytes: the byte bound purges as many old messages as a new one
// needs; a message longer than the bound waits alone.
func TestBytes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.set(func(f *fakeSender) { f.down = true })
		cfg := testConfig(PurgeOldest)
		cfg.Messages, cfg.Bytes = 100, 10
		q := start(cfg, f, &testkit.LogBuffer{})
		push(q, "aaaa")
		synctest.Wait()
		push(q, "bbbb", "cccccc")
		if s := q.Stats(); s.Waiting != 2 || s.Purged != 1 {
			t.Errorf("stats %+v: want bbbb and cccccc", s)
		}
		push(q, "dddddddddddd")
		if s := q.Stats(); s.Waiting != 1 || s.Purged != 3 {
			t.Errorf("stats %+v: want the long one alone", s)
		}
		q.Close()
	})
}

// TestBackoff: a failing receiver is tried again after 1 s, then 2, 4, 8
// and 8 s (±20%), whatever arrives meanwhile; one success resets the
// wait.
func TestBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.set(func(f *fakeSender) { f.down = true })
		q := start(testConfig(PurgeOldest), f, &testkit.LogBuffer{})
		defer q.Close()
		push(q, "a")
		for range 5 {
			time.Sleep(5 * time.Second)
			push(q, "b") // wakes the worker; it must not try before its time
		}
		f.set(func(f *fakeSender) { f.down = false })
		time.Sleep(10 * time.Second)
		f.set(func(f *fakeSender) { f.down = true })
		push(q, "c")
		time.Sleep(1500 * time.Millisecond)
		gaps := f.gaps()
		want := []time.Duration{1, 2, 4, 8, 8}
		if len(gaps) < len(want)+3 {
			t.Fatalf("gaps %v", gaps)
		}
		for i, w := range want {
			if g := gaps[i]; g < w*800*time.Millisecond || g > w*1200*time.Millisecond {
				t.Errorf("wait %d: %v, want %ds ±20%%", i+1, g, w)
			}
		}
		// After the success: c fails at once, and is tried again 1 s later.
		last := gaps[len(gaps)-1]
		if last < 800*time.Millisecond || last > 1200*time.Millisecond {
			t.Errorf("after a success the wait is %v, want 1s ±20%%: gaps %v", last, gaps)
		}
	})
}

// TestLost: a message the Sender loses is counted and logged, and the
// next ones go on at once.
func TestLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, log := newFake(), &testkit.LogBuffer{}
		f.set(func(f *fakeSender) { f.lose = "b" })
		q := start(testConfig(PurgeOldest), f, log)
		push(q, "a", "b", "c")
		synctest.Wait()
		if got, s := f.delivered(), q.Stats(); got != "a c" || s.Lost != 1 || s.Sent != 2 || s.Failing {
			t.Errorf("delivered %q, stats %+v", got, s)
		}
		if log.Count("record lost") != 1 {
			t.Errorf("log:\n%s", log)
		}
		q.Close()
	})
}

// TestResend: what a holding Sender had not had acknowledged when its
// connection broke, found by Check or by a failed Send, is sent again
// first, in order, and counted.
func TestResend(t *testing.T) {
	for _, bySend := range []bool{false, true} {
		t.Run(fmt.Sprint("by send ", bySend), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake()
				f.set(func(f *fakeSender) { f.hold, f.poll = true, 200*time.Millisecond })
				cfg := testConfig(PurgeOldest)
				cfg.Messages = 10
				q := start(cfg, f, &testkit.LogBuffer{})
				defer q.Close()
				push(q, "a", "b")
				synctest.Wait()
				if bySend {
					f.set(func(f *fakeSender) { f.broke = true })
				} else {
					f.set(func(f *fakeSender) { close(f.broken) })
				}
				synctest.Wait()
				push(q, "c", "d")
				synctest.Wait()
				f.set(func(f *fakeSender) { f.broke = false })
				if s := q.Stats(); s.Resent != 2 || s.Waiting != 4 || s.Sent != 2 || s.Failures != 1 {
					t.Errorf("stats after the break %+v", s)
				}
				time.Sleep(2 * time.Second)
				f.set(func(f *fakeSender) { f.acked = true })
				time.Sleep(time.Second)
				if got := f.delivered(); got != "a b c d" {
					t.Errorf("delivered %q", got)
				}
			})
		})
	}
}

// TestCheckTimer: Check comes Pending's time after a message is held, not
// before, however many messages follow, and stops once nothing is
// pending.
func TestCheckTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.set(func(f *fakeSender) { f.hold, f.poll = true, 200*time.Millisecond })
		q := start(testConfig(PurgeOldest), f, &testkit.LogBuffer{})
		defer q.Close()
		t0 := time.Now()
		for i := range 3 {
			push(q, fmt.Sprint(i))
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		f.set(func(f *fakeSender) { f.acked = true })
		time.Sleep(time.Second)
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.checks) != 2 || f.checks[0].Sub(t0) != 200*time.Millisecond || f.checks[1].Sub(t0) != 400*time.Millisecond {
			t.Errorf("checks at %v after the first message, want 200ms and 400ms", f.checks)
		}
	})
}

// TestDo: Do delivers at once during a backoff, then runs its function.
func TestDo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.set(func(f *fakeSender) { f.down = true })
		cfg := testConfig(PurgeOldest)
		cfg.MinBackoff, cfg.MaxBackoff = time.Hour, time.Hour
		q := start(cfg, f, &testkit.LogBuffer{})
		defer q.Close()
		push(q, "a")
		synctest.Wait()
		if err := q.Do(nil); !errors.Is(err, errDown) {
			t.Errorf("do while down: %v", err)
		}
		f.set(func(f *fakeSender) { f.down = false })
		var seen string
		if err := q.Do(func() error { seen = f.delivered(); return nil }); err != nil || seen != "a" {
			t.Errorf("do: %v, the function saw %q", err, seen)
		}
	})
}

// TestClose: Close makes one pass at once with DrainFor 0, keeps trying
// for DrainFor otherwise, waits for what is pending, and abandons the
// rest; a second Close says it is closed.
func TestClose(t *testing.T) {
	for _, c := range []struct {
		name      string
		drainFor  time.Duration
		upAt      time.Duration // the receiver comes back; 0: never
		hold      bool          // nothing is ever acknowledged
		abandoned int
		took      time.Duration
	}{
		{"one pass", 0, time.Second, false, 3, 0},
		{"back in time", 5 * time.Second, 500 * time.Millisecond, false, 0, 800 * time.Millisecond},
		{"never back", 5 * time.Second, 0, false, 3, 5 * time.Second},
		{"never acknowledged", 5 * time.Second, time.Nanosecond, true, 3, 5 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake()
				f.set(func(f *fakeSender) { f.down, f.hold, f.poll = true, c.hold, 100*time.Millisecond })
				cfg := testConfig(PurgeOldest)
				cfg.DrainFor, cfg.MinBackoff = c.drainFor, 500*time.Millisecond
				q := start(cfg, f, &testkit.LogBuffer{})
				push(q, "a", "b", "c")
				if c.upAt > 0 {
					time.AfterFunc(c.upAt, func() { f.set(func(f *fakeSender) { f.down = false }) })
				}
				t0 := time.Now()
				synctest.Wait()
				n, err := q.Close()
				if took := time.Since(t0); n != c.abandoned || err != nil || took < c.took || took > c.took+time.Second {
					t.Errorf("close: %d abandoned, %v, after %v; want %d after %v", n, err, took, c.abandoned, c.took)
				}
				if s := q.Stats(); s.Abandoned != uint64(c.abandoned) || s.Waiting != 0 {
					t.Errorf("stats %+v", s)
				}
				if _, err := q.Close(); !errors.Is(err, ErrClosed) {
					t.Errorf("second close: %v", err)
				}
				if err := q.Do(nil); !errors.Is(err, ErrClosed) {
					t.Errorf("do after close: %v", err)
				}
			})
		})
	}
}
