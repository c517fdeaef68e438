package backlog

import (
	"errors"
	"math/rand/v2"
	"time"
)

// Sender delivers the messages of a queue. The worker calls it from its
// own goroutine only.
type Sender interface {
	// Connect opens the connection (or file) if there is none; the
	// worker calls it before it takes each message, which waits in the
	// backlog meanwhile. An error: the worker waits a backoff.
	Connect() error
	// Send delivers msg on the connection. nil: msg is sent. An error
	// wrapping ErrLost: msg is gone, counted as lost, and the worker goes
	// on. Another error: msg goes back to the front, behind what Unsent
	// returns, and the worker waits a backoff.
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
	// to be sent again. The worker calls it after a failure and when it
	// stops.
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

// run delivers until Close; then it makes one pass whatever the backoff
// and keeps delivering, for up to DrainFor, until nothing waits or is
// pending. It ends the Sender's connection and abandons what still waits.
func (q *Queue) run() {
	defer close(q.done)
	w := &worker{q: q, s: q.d.Sender, backoff: q.cfg.MinBackoff, retry: stoppedTimer(), check: stoppedTimer()}
	defer w.retry.Stop()
	defer w.check.Stop()
	wake, reqs, quit := q.wake, q.reqs, q.quit
	var deadline <-chan time.Time // set by Close
loop:
	for {
		if !w.waiting {
			w.deliver()
		}
		if quit == nil && (q.cfg.DrainFor == 0 || w.drained()) {
			break
		}
		broken := w.arm()
		select {
		case <-wake:
		case <-broken:
			w.settle()
		case <-w.check.C:
			w.checking = false
			w.settle()
		case <-w.retry.C:
			w.waiting = false
		case r := <-reqs:
			r.done <- w.do(r.f)
		case <-quit:
			wake, reqs, quit = nil, nil, nil
			if q.cfg.DrainFor > 0 {
				t := time.NewTimer(q.cfg.DrainFor)
				defer t.Stop()
				deadline = t.C
			}
			w.deliver()
		case <-deadline:
			break loop
		}
	}
	q.abandon(w.s.Unsent())
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

// deliver sends what waits until none does or delivery fails, and
// returns that failure.
func (w *worker) deliver() error {
	for w.q.ready() {
		if err := w.s.Connect(); err != nil {
			w.fail(nil, err)
			return err
		}
		msg := w.q.pop()
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
	return nil
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
