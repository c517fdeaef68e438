package backlog

import (
	"errors"
	"math/rand/v2"
	"time"
)

// Sender delivers the messages of a queue. The worker calls it from its
// own goroutine only.
type Sender interface {
	// Send delivers msg, connecting first if it must. nil: msg is sent.
	// An error wrapping ErrLost: msg is gone, counted as lost, and the
	// worker goes on. Another error: msg goes back to the front, behind
	// what Unsent returns, and the worker waits a backoff.
	Send(msg []byte) error
	// Pending says what the worker waits for besides messages: a channel
	// that is closed when the Sender needs Check at once (a connection
	// the peer closed), and a time after which it wants Check (messages
	// not yet acknowledged, writes not yet flushed); nil and 0 for none.
	// Close waits, within DrainFor, until that time is 0.
	Pending() (<-chan struct{}, time.Duration)
	// Check settles what is pending. An error means the connection
	// broke: what Unsent returns goes back to the front and the worker
	// waits a backoff. After it, Pending's channel must be another.
	Check() error
	// Unsent ends the Sender's connection, if it has one, and returns
	// what it sent that the receiver did not acknowledge, oldest first,
	// to be sent again. The worker calls it after a failed Send or Check
	// and when it stops.
	Unsent() [][]byte
}

type request struct {
	f    func() error
	done chan error
}

// worker is what the worker goroutine owns.
type worker struct {
	q        *Queue
	s        Sender
	backoff  time.Duration // the next failure's wait
	retry    *time.Timer   // runs during a failure's backoff
	waiting  bool          // retry runs: nothing is sent until it fires
	check    *time.Timer   // runs while the Sender has something pending
	checking bool
}

func (q *Queue) run() {
	defer close(q.done)
	w := &worker{q: q, s: q.d.Sender, backoff: q.cfg.MinBackoff, retry: stoppedTimer(), check: stoppedTimer()}
	defer w.retry.Stop()
	defer w.check.Stop()
	for {
		if !w.waiting {
			w.deliver()
		}
		broken := w.arm()
		select {
		case <-q.wake:
		case <-broken:
			w.settle()
		case <-w.check.C:
			w.checking = false
			w.settle()
		case <-w.retry.C:
			w.waiting = false
		case r := <-q.reqs:
			r.done <- w.do(r.f)
		case <-q.quit:
			w.stop()
			return
		}
	}
}

func stoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}

// arm runs the check timer while the Sender has something pending and
// returns the channel that calls for a check at once.
func (w *worker) arm() <-chan struct{} {
	broken, after := w.s.Pending()
	switch {
	case after > 0 && !w.checking:
		w.check.Reset(after)
		w.checking = true
	case after <= 0 && w.checking:
		w.check.Stop()
		w.checking = false
	}
	return broken
}

// deliver sends what waits until none does or a send fails, and returns
// that failure.
func (w *worker) deliver() error {
	for {
		msg := w.q.next()
		if msg == nil {
			return nil
		}
		switch err := w.s.Send(msg); {
		case err == nil:
			w.q.sent()
			w.backoff = w.q.cfg.MinBackoff
		case errors.Is(err, ErrLost):
			w.q.lost(err)
		default:
			w.fail(msg, err)
			return err
		}
	}
}

// settle has the Sender check what is pending.
func (w *worker) settle() {
	if err := w.s.Check(); err != nil {
		w.fail(nil, err)
	}
}

// fail puts msg, if any, back in front behind what the Sender did not
// deliver, and starts a backoff.
func (w *worker) fail(msg []byte, err error) {
	w.q.requeue(w.s.Unsent(), msg, err)
	w.waiting = true
	w.retry.Reset(jitter(w.backoff))
	w.backoff = min(2*w.backoff, w.q.cfg.MaxBackoff)
}

// do is Do on the worker's goroutine.
func (w *worker) do(f func() error) error {
	err := w.deliver()
	if f != nil {
		err = errors.Join(err, f())
	}
	return err
}

// stop delivers what it can before the worker ends: one pass whatever the
// backoff, then, for up to DrainFor, until nothing waits or is pending. It
// ends the Sender's connection and abandons what still waits.
func (w *worker) stop() {
	w.deliver()
	if w.q.cfg.DrainFor > 0 && !w.drained() {
		deadline := time.NewTimer(w.q.cfg.DrainFor)
		defer deadline.Stop()
	drain:
		for !w.drained() {
			broken := w.arm()
			select {
			case <-broken:
				w.settle()
			case <-w.check.C:
				w.checking = false
				w.settle()
			case <-w.retry.C:
				w.waiting = false
				w.deliver()
			case <-deadline.C:
				break drain
			}
		}
	}
	w.q.abandon(w.s.Unsent())
}

// drained reports whether nothing waits in the backlog and nothing is
// pending in the Sender.
func (w *worker) drained() bool {
	_, after := w.s.Pending()
	return after <= 0 && w.q.Stats().Waiting == 0
}

// jitter spreads d by ±20% so that many watchers do not retry at once.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// Do delivers what waits now, whatever the backoff, then runs f (if not
// nil) on the worker's goroutine, where the Sender runs. It returns the
// error that keeps messages waiting joined with f's, or ErrClosed.
func (q *Queue) Do(f func() error) error {
	r := request{f: f, done: make(chan error, 1)}
	select {
	case q.reqs <- r:
		return <-r.done
	case <-q.done:
		return ErrClosed
	}
}

// Close stops taking messages, delivers what waits (one pass, then for up
// to DrainFor), ends the Sender's connection and stops the worker. It
// returns how many messages were still waiting, now abandoned, or
// ErrClosed the second time.
func (q *Queue) Close() (int, error) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return 0, ErrClosed
	}
	q.closed = true
	q.mu.Unlock()
	close(q.quit)
	<-q.done
	q.mu.Lock()
	defer q.mu.Unlock()
	return int(q.stats.Abandoned), nil
}

// sent counts a message the Sender took.
func (q *Queue) sent() {
	q.mu.Lock()
	q.stats.Sent++
	q.stats.Failing = false
	q.mu.Unlock()
}

// lost counts a message the Sender lost, logging the first and then at
// most every logEvery.
func (q *Queue) lost(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.stats.Lost++
	if q.lostLog.let(time.Now()) {
		q.d.Logger.Warn(q.d.Name+": send failed, record lost", "error", err, "lost_so_far", q.stats.Lost)
	}
}

// requeue puts again and then msg, if any, in front of the backlog after
// a failure.
func (q *Queue) requeue(again [][]byte, msg []byte, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.stats.Resent += uint64(len(again))
	if msg != nil {
		again = append(again, msg)
	}
	q.ring.pushFront(again...)
	q.stats.Failures++
	q.stats.Failing = true
	q.stats.LastError = err.Error()
}

// abandon counts what still waits when the worker ends, again first, and
// empties the backlog.
func (q *Queue) abandon(again [][]byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.stats.Abandoned += uint64(len(again) + q.ring.len())
	q.ring = ring{}
}
