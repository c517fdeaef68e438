package rfc5424

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"netdx/watch/record"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("rfc5424: closed")

// Stats counts what a writer did since New.
type Stats struct {
	Sent        uint64 `json:"sent"`        // messages written to the receiver
	Resent      uint64 `json:"resent"`      // sent again after a broken connection
	Dropped     uint64 `json:"dropped"`     // lost: backlog full, UDP send failed, unsent at Close
	Truncated   uint64 `json:"truncated"`   // cut to MaxSize
	Connects    uint64 `json:"connects"`    // connections opened
	DialErrors  uint64 `json:"dial_errors"` // failed attempts
	Disconnects uint64 `json:"disconnects"` // connections lost
	Backlog     int    `json:"backlog"`     // messages waiting now
	Unacked     int    `json:"unacked"`     // sent on TCP, not yet acknowledged
}

// Writer sends records to one syslog receiver. Its methods are safe for
// concurrent use.
type Writer struct {
	cfg Config
	t   target
	h   Header
	log *slog.Logger

	mu      sync.Mutex
	q       [][]byte // formatted messages, oldest first
	seq     uint32
	closed  bool
	stats   Stats
	dropLog time.Time // when dropping was last logged
	dropped uint64    // drops since then

	wake chan struct{}
	quit chan struct{}
	done chan struct{}
}

// New starts a writer. It does not wait for the receiver: messages wait in
// the backlog until it answers. A bad Config returns an error wrapping
// ErrBadConfig.
func New(cfg Config) (*Writer, error) {
	cfg, t, h, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &Writer{cfg: cfg, t: t, h: h, log: cfg.Logger,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w, nil
}

// Write formats r and queues it for the receiver. Records of kinds not in
// Config.Kinds are skipped. It returns at once: nil, ErrClosed, or the
// error of a record that fails record.Check.
func (w *Writer) Write(r record.Record) error {
	if err := r.Check(); err != nil {
		return fmt.Errorf("rfc5424: %w", err)
	}
	if !slices.Contains(w.cfg.Kinds, r.Kind) {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	w.seq = w.seq%(1<<31-1) + 1 // RFC 5424 sequenceId: 1 … 2147483647
	msg, cut := Format(r, w.h, w.seq, w.cfg.MaxSize)
	if cut {
		w.stats.Truncated++
	}
	w.q = append(w.q, msg)
	w.trim()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

// trim drops the oldest messages beyond the backlog, logging the first drop
// and then at most every ten seconds. Called with mu held.
func (w *Writer) trim() {
	n := len(w.q) - w.cfg.Backlog
	if n <= 0 {
		return
	}
	w.q = slices.Delete(w.q, 0, n)
	w.stats.Dropped += uint64(n)
	w.dropped += uint64(n)
	if now := time.Now(); now.Sub(w.dropLog) >= 10*time.Second {
		w.log.Warn("rfc5424: backlog full, dropping the oldest messages", "url", w.cfg.URL,
			"dropped", w.dropped, "backlog", w.cfg.Backlog)
		w.dropLog, w.dropped = now, 0
	}
}

// front returns the oldest message, nil when none waits.
func (w *Writer) front() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.q) == 0 {
		return nil
	}
	return w.q[0]
}

// sent removes the oldest message once written.
func (w *Writer) sent() {
	w.mu.Lock()
	w.q = w.q[1:]
	if len(w.q) == 0 {
		w.q = nil // give back a burst's memory
	}
	w.stats.Sent++
	w.mu.Unlock()
}

// sendFailed drops the oldest message, which a datagram socket refused,
// logging the first failure and then at most every ten seconds.
func (w *Writer) sendFailed(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.q = w.q[1:]
	w.stats.Dropped++
	w.dropped++
	if now := time.Now(); now.Sub(w.dropLog) >= 10*time.Second {
		w.log.Warn("rfc5424: send failed, message dropped", "url", w.cfg.URL, "error", err, "dropped", w.dropped)
		w.dropLog, w.dropped = now, 0
	}
}

// requeue puts messages that were not acknowledged back in front.
func (w *Writer) requeue(msgs [][]byte) {
	if len(msgs) == 0 {
		return
	}
	w.mu.Lock()
	w.q = append(slices.Clone(msgs), w.q...)
	w.stats.Resent += uint64(len(msgs))
	w.trim()
	w.mu.Unlock()
}

func (w *Writer) count(f func(*Stats)) {
	w.mu.Lock()
	f(&w.stats)
	w.mu.Unlock()
}

// Stats returns the writer's counters.
func (w *Writer) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stats
	s.Backlog = len(w.q)
	return s
}

// Close stops taking records, keeps delivering the backlog for up to
// DrainTimeout, and closes the connection. It returns an error saying how
// many messages were lost if some were still waiting.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.closed = true
	w.mu.Unlock()
	close(w.quit)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := len(w.q); n > 0 {
		w.stats.Dropped += uint64(n)
		w.q = nil
		w.log.Error("rfc5424: closed with messages undelivered", "url", w.cfg.URL, "lost", n)
		return fmt.Errorf("rfc5424: closed with %d messages undelivered to %s", n, w.cfg.URL)
	}
	return nil
}

// frame returns the bytes to write for msg: octet counting on streams
// (RFC 6587), the message alone in a datagram.
func (w *Writer) frame(msg []byte) []byte {
	if !w.t.stream {
		return msg
	}
	return append(strconv.AppendInt(nil, int64(len(msg)), 10), append([]byte{' '}, msg...)...)
}

var _ interface{ Write(record.Record) error } = (*Writer)(nil)
