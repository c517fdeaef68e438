package backlog

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Errors of Push, Do and Close, and of a Sender.
var (
	// ErrStopped: the backlog filled up and the final action is Stop;
	// the queue takes no more messages.
	ErrStopped = errors.New("backlog: stopped: the backlog filled up and the final action is stop")
	ErrClosed  = errors.New("backlog: closed")
	// ErrLost, wrapped in an error of Sender.Send, says the message is
	// gone and must not be sent again (a datagram the socket refused).
	ErrLost = errors.New("backlog: message lost")
)

// Stats counts what a queue did since New.
type Stats struct {
	Waiting   int    // messages in the backlog now
	Sent      uint64 // messages the Sender took
	Purged    uint64 // dropped to make room (PurgeOldest)
	Ignored   uint64 // dropped when new (IgnoreNew)
	Lost      uint64 // dropped by the Sender (ErrLost)
	Refused   uint64 // refused by Push: stopped or closed
	Resent    uint64 // handed back by the Sender after a failure, to send again
	Abandoned uint64 // still waiting when Close gave up
	Failures  uint64 // failed Sends and Checks
	Stopped   bool   // the final action Stop acted
	Failing   bool   // the last delivery failed
	LastError string // of the last failure
}

// Delivery is the sink's side of a queue.
type Delivery struct {
	// Name starts the queue's log lines ("journal").
	Name   string
	Sender Sender
	// Logger receives the queue's log lines, with the sink's attributes.
	Logger *slog.Logger
	// Notice, if not nil, makes the message sent when the backlog
	// drains after an episode of drops.
	Notice func(Episode) []byte
}

// Episode is a stretch of drops by the final action, from the first until
// the backlog next drained.
type Episode struct {
	Dropped     int64
	First, Last time.Time
	OnFull      OnFull
}

func (e Episode) String() string {
	return fmt.Sprintf("%d records dropped between %s and %s while the backlog was full (on full: %s)",
		e.Dropped, e.First.UTC().Format(time.RFC3339), e.Last.UTC().Format(time.RFC3339), e.OnFull)
}

// logEvery is how often a queue repeats that it keeps dropping records.
const logEvery = 10 * time.Second

// Queue is a bounded backlog and the worker that delivers it. Its methods
// are safe for concurrent use.
type Queue struct {
	cfg Config
	d   Delivery

	mu      sync.Mutex
	ring    ring
	closed  bool
	stats   Stats
	episode Episode
	dropLog throttle // logs of the final action
	lostLog throttle // logs of ErrLost

	wake chan struct{}
	reqs chan request
	quit chan struct{}
	done chan struct{}
}

// throttle lets a log line through at most every logEvery.
type throttle struct{ last time.Time }

func (t *throttle) let(now time.Time) bool {
	if !t.last.IsZero() && now.Sub(t.last) < logEvery {
		return false
	}
	t.last = now
	return true
}

// New returns a queue for cfg, which must be valid (see Config.Validate),
// and starts its worker.
func New(cfg Config, d Delivery) *Queue {
	q := &Queue{cfg: cfg, d: d,
		wake: make(chan struct{}, 1), reqs: make(chan request), quit: make(chan struct{}), done: make(chan struct{})}
	go q.run()
	return q
}

// Push queues msg for the worker. It returns at once: nil when msg is
// queued or dropped by the final action (counted and logged), ErrStopped
// once the final action Stop has acted, or ErrClosed.
func (q *Queue) Push(msg []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		q.stats.Refused++
		return ErrClosed
	case q.stats.Stopped:
		q.stats.Refused++
		return ErrStopped
	}
	if !q.ring.fits(len(msg), q.cfg.Messages, q.cfg.Bytes) {
		switch q.cfg.OnFull {
		case PurgeOldest:
			n := 0
			for ; q.ring.len() > 0 && !q.ring.fits(len(msg), q.cfg.Messages, q.cfg.Bytes); n++ {
				q.ring.pop()
			}
			q.stats.Purged += uint64(n)
			q.dropped(int64(n), "purged the oldest waiting record")
		case IgnoreNew:
			q.stats.Ignored++
			q.dropped(1, "ignored a new record")
			return nil
		case Stop:
			q.stats.Stopped = true
			q.stats.Refused++
			q.d.Logger.Error(q.d.Name+": backlog full, stopping: no record will be taken from now on (on full: stop)",
				"backlog", q.ring.len(), "last_error", q.stats.LastError)
			return ErrStopped
		}
	}
	q.ring.push(msg)
	q.signal()
	return nil
}

// PushFront puts msg in front of the backlog, whatever its bounds: the
// sink's own notice, which the final action must not drop.
func (q *Queue) PushFront(msg []byte) {
	q.mu.Lock()
	q.ring.pushFront(msg)
	q.mu.Unlock()
	q.signal()
}

// signal wakes the worker.
func (q *Queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// dropped counts n messages dropped by the final action and logs the
// first drop of an episode, then at most every logEvery. Called with mu
// held.
func (q *Queue) dropped(n int64, what string) {
	now := time.Now()
	e := &q.episode
	if e.Dropped == 0 {
		e.First, e.OnFull = now, q.cfg.OnFull
		q.dropLog = throttle{}
	}
	e.Dropped += n
	e.Last = now
	if q.dropLog.let(now) {
		q.d.Logger.Warn(q.d.Name+": backlog full: "+what+" (on full: "+q.cfg.OnFull.String()+")",
			"backlog", q.ring.len(), "dropped_so_far", e.Dropped, "last_error", q.stats.LastError)
	}
}

// ready reports whether a message waits. When none does after an episode
// of drops, it ends the episode, and the sink's notice, if any, waits.
func (q *Queue) ready() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ring.len() > 0 {
		return true
	}
	e := q.episode
	if e.Dropped == 0 {
		return false
	}
	q.episode = Episode{}
	q.d.Logger.Warn(q.d.Name + ": backlog drained; " + e.String())
	if q.d.Notice == nil {
		return false
	}
	q.ring.push(q.d.Notice(e))
	return true
}

// pop takes the oldest waiting message, nil when none waits.
func (q *Queue) pop() []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.ring.pop()
}

// Stats returns the queue's counters.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := q.stats
	s.Waiting = q.ring.len()
	return s
}
