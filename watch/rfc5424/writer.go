package rfc5424

import (
	"fmt"
	"os"
	"slices"
	"sync"

	"netdx/watch/backlog"
	"netdx/watch/record"
)

// Stats counts what a writer did since New.
type Stats struct {
	Sent    uint64 `json:"sent"`    // messages written to the receiver (on UDP, refused ones too)
	Resent  uint64 `json:"resent"`  // sent again after a broken connection
	Dropped uint64 `json:"dropped"` // lost: backlog full, UDP send failed or refused, unsent at Close
	// Refused counts the UDP messages the receiver's host refused (an
	// ICMP error, read from the socket's error queue), Presumed those
	// sent between two refused ones less than 2 s apart, presumed refused
	// too (the host rate-limits its ICMP errors). Dropped counts both.
	Refused     uint64 `json:"refused"`
	Presumed    uint64 `json:"presumed"`
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
	cfg     Config
	h       Header
	maxSize int // of a message on this transport
	q       *backlog.Queue

	mu    sync.Mutex
	seq   uint32
	stats Stats // the writer's and the sender's counters; Stats adds the queue's
}

// New starts a writer. It does not wait for the receiver: messages wait in
// the backlog until it answers. A bad Config returns a *ConfigError.
func New(cfg Config) (*Writer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t, _ := parseURL(cfg.URL)
	fac, _ := facility(cfg.Facility)
	w := &Writer{cfg: cfg, h: Header{Facility: fac, Hostname: cfg.Hostname, AppName: cfg.AppName, PID: os.Getpid(),
		BOM: cfg.BOM, Journal: cfg.Journal}, maxSize: cfg.MaxSize}
	if t.network == "udp" {
		w.maxSize = cfg.MaxUDPSize
	}
	w.q = backlog.New(cfg.queue(), backlog.Delivery{Name: "rfc5424", Sender: &sender{w: w, t: t},
		Logger: cfg.Logger.With("url", cfg.URL)})
	return w, nil
}

// Write formats r and queues it for the receiver. Records of kinds not in
// Config.Kinds are skipped. It returns at once: nil, backlog.ErrClosed, or
// the error of a record that fails record.Check.
func (w *Writer) Write(r record.Record) error {
	if err := r.Check(); err != nil {
		return fmt.Errorf("rfc5424: %w", err)
	}
	if !slices.Contains(w.cfg.Kinds, r.Kind) {
		return nil
	}
	// In sequence order: the lock spans the number and the queueing.
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq = w.seq%(1<<31-1) + 1 // RFC 5424 sequenceId: 1 … 2147483647
	msg, cut := Format(r, w.h, w.seq, w.maxSize)
	if cut {
		w.stats.Truncated++
	}
	return w.q.Push(msg)
}

// count changes the writer's counters.
func (w *Writer) count(f func(*Stats)) {
	w.mu.Lock()
	f(&w.stats)
	w.mu.Unlock()
}

// Stats returns the writer's counters.
func (w *Writer) Stats() Stats {
	qs := w.q.Stats()
	w.mu.Lock()
	s := w.stats
	w.mu.Unlock()
	s.Sent, s.Resent, s.Backlog = qs.Sent, qs.Resent, qs.Waiting
	s.Dropped = qs.Purged + qs.Ignored + qs.Lost + qs.Abandoned + s.Refused + s.Presumed
	return s
}

// Dropped counts the messages lost (Stats' Dropped), for the watch's
// metrics.
func (w *Writer) Dropped() uint64 { return w.Stats().Dropped }

// Close stops taking records, keeps delivering the backlog for up to
// DrainTimeout, and closes the connection. It returns an error saying how
// many messages were lost if some were still waiting.
func (w *Writer) Close() error {
	lost, err := w.q.Close()
	if err != nil {
		return err
	}
	if st := w.Stats(); st.Refused > 0 {
		w.cfg.Logger.Warn("rfc5424: closed; messages sent over UDP were refused by the receiver's host and lost", "url", w.cfg.URL,
			"sent", st.Sent, "refused", st.Refused, "presumed", st.Presumed)
	}
	if lost > 0 {
		w.cfg.Logger.Error("rfc5424: closed with messages undelivered", "url", w.cfg.URL, "lost", lost)
		return fmt.Errorf("rfc5424: closed with %d messages undelivered to %s", lost, w.cfg.URL)
	}
	return nil
}

var _ interface{ Write(record.Record) error } = (*Writer)(nil)
