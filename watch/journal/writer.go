package journal

import (
	"errors"
	"fmt"
	"time"

	"netdx/watch/backlog"
	"netdx/watch/record"
)

// writer writes the journal's lines: the Sender of its backlog, called
// from the backlog's worker goroutine, which owns the file.
type writer struct {
	j       *Journal
	f       file
	size    int64 // of the file, for rotation
	dirty   bool  // written since the last fsync
	tornAt  int64 // a torn write to cut before the next one; -1 if none
	failing bool
	// noRotateUntil delays a rotation that failed (the file grows past
	// MaxSize meanwhile rather than losing records).
	noRotateUntil time.Time
}

var _ backlog.Sender = (*writer)(nil)

// Connect opens the file if it is not open (a reopen or a rotation
// failed).
func (w *writer) Connect() error {
	if w.f != nil {
		return nil
	}
	return w.failed(w.open())
}

// Send writes one line, logging when the disk stops failing.
func (w *writer) Send(line []byte) error {
	j := w.j
	if err := w.write(line); err != nil {
		return w.failed(err)
	}
	j.count(func(s *Stats) { s.Bytes += uint64(len(line)) })
	if w.failing {
		w.failing = false
		j.cfg.Logger.Info("journal: the disk takes writes again", "file", j.cfg.Path, "backlog", j.q.Stats().Waiting)
	}
	if j.cfg.FlushEach {
		w.sync()
	}
	return nil
}

// failed logs the first failed write of a series, if err is one (the
// backlog counts them).
func (w *writer) failed(err error) error {
	if err == nil {
		return nil
	}
	j := w.j
	if !w.failing {
		j.cfg.Logger.Error("journal: write failed, records wait in memory until the disk takes them",
			"file", j.cfg.Path, "error", err, "backlog", j.q.Stats().Waiting, "retry_every", j.cfg.Retry)
	}
	w.failing = true
	return err
}

// Pending asks for Check a Flush after a write.
func (w *writer) Pending() (<-chan struct{}, time.Duration) {
	if w.dirty {
		return nil, w.j.cfg.Flush
	}
	return nil, 0
}

// Check fsyncs. A failed fsync is counted, and tried again a Flush later.
func (w *writer) Check() error {
	w.sync()
	return nil
}

// Unsent is nil: a line written is in the file.
func (w *writer) Unsent() [][]byte { return nil }

// dropped is the notice that follows an episode of drops.
func (w *writer) dropped(e backlog.Episode) []byte {
	return w.notice("records_dropped", e.String(), e.Dropped)
}

func (w *writer) notice(event, msg string, count int64) []byte {
	line, _ := record.Record{Time: time.Now(), Host: w.j.cfg.Host, Kind: record.KindNotice,
		Notice: &record.Notice{Source: "journal", Event: event, Message: msg, Count: count}}.Line()
	return line
}

// write appends one line with one write. A write that fails half way is
// cut back, now or before the next write.
func (w *writer) write(line []byte) error {
	j := w.j
	if w.tornAt >= 0 {
		if err := w.f.Truncate(w.tornAt); err != nil {
			return fmt.Errorf("journal: cut a torn write: %w", err)
		}
		w.size, w.tornAt = w.tornAt, -1
	}
	if j.cfg.MaxSize != NeverRotate && w.size > 0 && w.size+int64(len(line)) > j.cfg.MaxSize && !time.Now().Before(w.noRotateUntil) {
		if err := w.rotate(); err != nil {
			w.noRotateUntil = time.Now().Add(10 * j.cfg.Retry)
			j.cfg.Logger.Error("journal: rotation failed, writing on in the current file", "file", j.cfg.Path, "error", err)
			if w.f == nil {
				if err := w.open(); err != nil {
					return err
				}
			}
		}
	}
	n, err := w.f.Write(line)
	if err != nil {
		if n > 0 {
			// O_APPEND: the torn bytes are the file's last n.
			if size, serr := w.f.Size(); serr == nil {
				w.tornAt = size - int64(n)
				if w.f.Truncate(w.tornAt) == nil {
					w.size, w.tornAt = w.tornAt, -1
				}
			}
		}
		return fmt.Errorf("journal: %w", err)
	}
	w.size += int64(n)
	w.dirty = true
	return nil
}

func (w *writer) sync() error {
	if w.f == nil || !w.dirty {
		return nil
	}
	err := w.f.Sync()
	w.j.count(func(s *Stats) {
		if err != nil {
			s.SyncErrors++
		} else {
			s.Syncs++
		}
	})
	if err == nil {
		w.dirty = false
	}
	if err != nil {
		return fmt.Errorf("journal: fsync %s: %w", w.j.cfg.Path, err)
	}
	return nil
}

// open opens Path from the worker goroutine, the notice of a torn tail cut
// first in the backlog.
func (w *writer) open() error {
	repaired, err := w.openFile()
	if repaired != nil {
		w.j.q.PushFront(repaired)
	}
	return err
}

// reopen closes the file and opens Path again.
func (w *writer) reopen() error {
	w.sync()
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	return w.open()
}

// rotate renames Path to Path.1 (Path.1 to Path.2 …, the oldest beyond
// Keep overwritten) and starts a new Path.
func (w *writer) rotate() error {
	j := w.j
	w.sync()
	w.f.Close()
	w.f = nil
	name := func(i int) string { return fmt.Sprintf("%s.%d", j.cfg.Path, i) }
	for i := j.cfg.Keep - 1; i >= 1; i-- {
		if err := j.fs.Rename(name(i), name(i+1)); err != nil && !errors.Is(err, errNotExist) {
			return fmt.Errorf("journal: rotate: %w", err)
		}
	}
	if err := j.fs.Rename(j.cfg.Path, name(1)); err != nil {
		return fmt.Errorf("journal: rotate: %w", err)
	}
	if err := j.fs.SyncDir(dirOf(j.cfg.Path)); err != nil {
		j.cfg.Logger.Warn("journal: fsync of the directory after rotation failed", "file", j.cfg.Path, "error", err)
	}
	if err := w.open(); err != nil {
		return err
	}
	j.count(func(s *Stats) { s.Rotations++ })
	j.cfg.Logger.Info("journal: rotated", "file", j.cfg.Path, "kept", j.cfg.Keep)
	return nil
}
