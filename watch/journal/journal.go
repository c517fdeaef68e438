package journal

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"netdx/watch/backlog"
	"netdx/watch/record"
)

// ErrTooLarge is returned by Write for a record whose line is longer than
// Config.MaxRecord.
var ErrTooLarge = errors.New("journal: record too large")

// Stats counts what the journal did since Open.
type Stats struct {
	Written     uint64 `json:"written"`      // records on disk
	Bytes       uint64 `json:"bytes"`        // their bytes
	Backlog     int    `json:"backlog"`      // records waiting now
	Purged      uint64 `json:"purged"`       // dropped oldest (purge-oldest)
	Ignored     uint64 `json:"ignored"`      // dropped new (ignore-new)
	Refused     uint64 `json:"refused"`      // refused: stopped, too large, closed
	WriteErrors uint64 `json:"write_errors"` // failed writes, each retried
	Syncs       uint64 `json:"syncs"`        // fsyncs done
	SyncErrors  uint64 `json:"sync_errors"`  // fsyncs failed
	Rotations   uint64 `json:"rotations"`    // files rotated
	Repairs     uint64 `json:"repairs"`      // torn tails cut
	CutBytes    uint64 `json:"cut_bytes"`    // bytes those cuts removed
	// SetAside counts the runs of unreadable lines set aside on open,
	// SetAsideBytes their bytes (in files next to the journal).
	SetAside      uint64 `json:"set_aside"`
	SetAsideBytes uint64 `json:"set_aside_bytes"`
	Stopped       bool   `json:"stopped"` // the final action stop acted
	Failing       bool   `json:"failing"` // the last write failed
	LastError     string `json:"last_error,omitempty"`
}

// Journal is an open journal. Its methods are safe for concurrent use.
type Journal struct {
	cfg Config
	fs  fileSystem
	q   *backlog.Queue
	w   *writer // the queue's Sender, owned by its worker goroutine

	mu    sync.Mutex
	stats Stats // the writer's counters; Stats adds the backlog's
}

// Open opens (creating) the journal at cfg.Path, repairs it (a torn tail
// cut, unreadable lines set aside), and starts its writer. A bad Config returns a
// *ConfigError; a file that cannot be opened or repaired, the error that
// said so.
func Open(cfg Config) (*Journal, error) { return open(cfg, osFS{}) }

func open(cfg Config, fs fileSystem) (*Journal, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	j := &Journal{cfg: cfg, fs: fs}
	j.w = &writer{j: j, tornAt: -1}
	repaired, err := j.w.openFile()
	if err != nil {
		return nil, err
	}
	j.q = backlog.New(cfg.queue(), backlog.Delivery{Name: "journal", Sender: j.w,
		Logger: cfg.Logger.With("file", cfg.Path), Notice: j.w.dropped})
	if repaired != nil {
		j.q.PushFront(repaired)
	}
	return j, nil
}

// Write queues r for the disk. It returns at once: nil when the record is
// queued or dropped by the final action (counted and logged),
// backlog.ErrStopped once the final action stop has acted, ErrTooLarge,
// backlog.ErrClosed, or the error of a record that cannot be encoded.
func (j *Journal) Write(r record.Record) error {
	line, err := r.Line()
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if len(line) > j.cfg.MaxRecord {
		j.count(func(s *Stats) { s.Refused++ })
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(line), j.cfg.MaxRecord)
	}
	return j.q.Push(line)
}

// count changes the writer's counters.
func (j *Journal) count(f func(*Stats)) {
	j.mu.Lock()
	f(&j.stats)
	j.mu.Unlock()
}

// Sync writes what the backlog holds, if the disk takes it, and fsyncs.
// It returns the error that keeps records waiting, if any.
func (j *Journal) Sync() error { return j.q.Do(j.w.sync) }

// Reopen writes what the backlog holds, closes the file and opens Path
// again (after logrotate renamed it; call it on SIGHUP), repairing the
// new file as Open does. Records keep waiting in the backlog if
// the new file cannot be opened.
func (j *Journal) Reopen() error { return j.q.Do(j.w.reopen) }

// Stats returns the journal's counters.
func (j *Journal) Stats() Stats {
	qs := j.q.Stats()
	j.mu.Lock()
	s := j.stats
	j.mu.Unlock()
	s.Written, s.Backlog, s.Purged, s.Ignored, s.Stopped = qs.Sent, qs.Waiting, qs.Purged, qs.Ignored, qs.Stopped
	s.Refused += qs.Refused
	s.WriteErrors, s.Failing, s.LastError = qs.Failures, qs.Failing, qs.LastError
	return s
}

// Dropped counts the records the final action dropped (purge-oldest,
// ignore-new): the journal's drops, for the watch's metrics.
func (j *Journal) Dropped() uint64 {
	st := j.q.Stats()
	return st.Purged + st.Ignored
}

// Close writes what it can of the backlog (one attempt), fsyncs and closes
// the file. Records still waiting are lost: Close says how many.
func (j *Journal) Close() error {
	lost, err := j.q.Close()
	if err != nil {
		return err
	}
	// The worker has ended: the file is this goroutine's now.
	j.w.sync()
	if j.w.f != nil {
		j.w.f.Close()
	}
	if lost > 0 {
		last := j.Stats().LastError
		j.cfg.Logger.Error("journal: closed with records unwritten", "file", j.cfg.Path, "lost", lost, "last_error", last)
		return fmt.Errorf("journal: closed with %d records unwritten: %s", lost, last)
	}
	return nil
}

// ensure Journal is a sink: the one-method interface the watch declares.
var _ interface{ Write(record.Record) error } = (*Journal)(nil)

var _ io.Closer = (*Journal)(nil)
