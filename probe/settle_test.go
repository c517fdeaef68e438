package probe

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// stamped is an answer as Settle sees it: its reader and when it arrived.
type stamped struct {
	reader int
	at     time.Time
}

func stampOf(s stamped) (int, time.Time) { return s.reader, s.at }

// TestSettleWaitsForALateReader: Settle waits for a reader that is behind
// (86 ms, as a loaded machine kept a thread) until it hands an answer that
// arrived after the moment settled, even while more keep coming (a flood);
// it does not wait when nothing is held, nor past its bound when the
// reader never runs; a reader that caught up does not hold back one that
// is behind.
func TestSettleWaitsForALateReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var held [2]atomic.Bool
		pending := func(i int) bool { return held[i].Load() }
		in := make(chan stamped, 4)
		var got []stamped
		handle := func(s stamped) { got = append(got, s) }

		now := time.Now()
		held[0].Store(true) // a flood: the socket never empties
		time.AfterFunc(86*time.Millisecond, func() {
			in <- stamped{0, now.Add(-time.Millisecond)} // in time
			in <- stamped{0, now.Add(86 * time.Millisecond)}
		})
		Settle(in, handle, 1, pending, stampOf, now)
		if len(got) != 2 || time.Since(now) != 86*time.Millisecond {
			t.Errorf("handled %d answers after %v, want the 2 the reader handed after 86ms", len(got), time.Since(now))
		}

		held[0].Store(false)
		start := time.Now()
		Settle(in, handle, 1, pending, stampOf, start)
		if time.Since(start) != 0 {
			t.Errorf("nothing held: Settle waited %v", time.Since(start))
		}

		held[0].Store(true)
		start = time.Now()
		Settle(in, handle, 1, pending, stampOf, start)
		if time.Since(start) != settleFor {
			t.Errorf("a reader that never runs: Settle waited %v, want its bound %v", time.Since(start), settleFor)
		}

		// Reader 0 has caught up at once; reader 1 hands its answer 30 ms
		// late.
		got = nil
		held[1].Store(true)
		start = time.Now()
		in <- stamped{0, start.Add(time.Millisecond)}
		time.AfterFunc(30*time.Millisecond, func() { held[1].Store(false); in <- stamped{1, start.Add(-time.Millisecond)} })
		Settle(in, handle, 2, pending, stampOf, start)
		if len(got) != 2 || time.Since(start) != 30*time.Millisecond {
			t.Errorf("two readers: handled %d after %v, want 2 after 30ms", len(got), time.Since(start))
		}
	})
}
