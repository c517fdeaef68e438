package trace

import (
	"net/netip"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// laggingReader is a transport with one reader whose socket holds answers
// (pending) that the reader hands over late, as when the process is
// descheduled on a busy machine.
type laggingReader struct {
	transport
	held atomic.Bool
}

func (l *laggingReader) readers() int     { return 1 }
func (l *laggingReader) pending(int) bool { return l.held.Load() }

// TestSettleWaitsForALateReader: settle waits for a reader that is behind
// (86 ms, as a loaded machine kept a thread) until it hands an answer that
// arrived after the moment settled, even while more keep coming (a flood);
// it does not wait when nothing is held, nor past its bound when the
// reader never runs.
func TestSettleWaitsForALateReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now()
		tr := &laggingReader{}
		tr.held.Store(true) // a flood: the socket never empties
		replies := make(chan reply, 4)
		time.AfterFunc(86*time.Millisecond, func() {
			replies <- reply{src: netip.MustParseAddr("198.18.1.2"), at: now.Add(-time.Millisecond)} // in time
			replies <- reply{src: netip.MustParseAddr("198.19.0.1"), at: now.Add(86 * time.Millisecond)}
		})
		var got []reply
		settle(func(r reply) { got = append(got, r) }, replies, tr, now)
		if len(got) != 2 || time.Since(now) != 86*time.Millisecond {
			t.Errorf("handled %d answers after %v, want the 2 the reader handed after 86ms", len(got), time.Since(now))
		}

		tr.held.Store(false)
		start := time.Now()
		settle(func(reply) { t.Error("an answer from nowhere") }, replies, tr, start)
		if time.Since(start) != 0 {
			t.Errorf("nothing held: settle waited %v", time.Since(start))
		}

		tr.held.Store(true)
		start = time.Now()
		settle(func(reply) { t.Error("an answer from nowhere") }, replies, tr, start)
		if time.Since(start) != settleFor {
			t.Errorf("a reader that never runs: settle waited %v, want its bound %v", time.Since(start), settleFor)
		}
	})
}
