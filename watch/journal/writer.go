package journal

import (
	"errors"
	"fmt"
	"io"
	"time"

	"netdx/watch/record"
)

// writer is the goroutine that owns the file.
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

func (w *writer) run() {
	j := w.j
	defer close(j.done)
	var tick <-chan time.Time
	if j.cfg.Flush > 0 {
		t := time.NewTicker(j.cfg.Flush)
		defer t.Stop()
		tick = t.C
	}
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	armed := false // retry runs: a failed write waits for it
	for {
		select {
		case <-j.wake:
			if !w.failing {
				w.drain()
			}
		case <-tick:
			w.sync()
		case <-retry.C:
			armed = false
			w.drain()
		case r := <-j.reqs:
			var err error
			if r.reopen {
				err = w.reopen()
			}
			err = errors.Join(err, w.drain(), w.sync())
			r.done <- err
		case <-j.quit:
			w.drain()
			w.sync()
			if w.f != nil {
				w.f.Close()
			}
			return
		}
		switch {
		case w.failing && !armed:
			retry.Reset(j.cfg.Retry)
			armed = true
		case !w.failing && armed:
			retry.Stop()
			armed = false
		}
	}
}

// drain writes the backlog until it is empty or a write fails; the line
// that failed goes back to the front.
func (w *writer) drain() error {
	j := w.j
	for {
		j.mu.Lock()
		line := j.q.pop()
		if line == nil {
			notice := w.endEpisode()
			j.mu.Unlock()
			if notice == nil {
				return nil
			}
			line = notice
		} else {
			j.mu.Unlock()
		}
		if err := w.write(line); err != nil {
			j.mu.Lock()
			j.q.pushFront(line)
			j.stats.WriteErrors++
			j.stats.Failing = true
			j.stats.LastError = err.Error()
			n := j.q.len()
			j.mu.Unlock()
			if !w.failing {
				j.log.Error("journal: write failed, records wait in memory until the disk takes them",
					"file", j.cfg.Path, "error", err, "backlog", n, "retry_every", j.cfg.Retry)
			}
			w.failing = true
			return err
		}
		j.mu.Lock()
		j.stats.Written++
		j.stats.Bytes += uint64(len(line))
		j.stats.Failing = false
		n := j.q.len()
		j.mu.Unlock()
		if w.failing {
			w.failing = false
			j.log.Info("journal: the disk takes writes again", "file", j.cfg.Path, "backlog", n)
		}
		if j.cfg.Flush < 0 {
			w.sync()
		}
	}
}

// endEpisode is called with mu held once the backlog is empty: when the
// final action dropped records since the last call, it logs that the
// episode is over and returns the notice line that says so.
func (w *writer) endEpisode() []byte {
	j := w.j
	e := j.episode
	if e.dropped == 0 {
		return nil
	}
	j.episode = episode{}
	msg := fmt.Sprintf("%d records dropped between %s and %s while the backlog was full (--on-full %s)",
		e.dropped, e.first.UTC().Format(time.RFC3339), e.last.UTC().Format(time.RFC3339), j.cfg.OnFull)
	j.log.Warn("journal: backlog drained; "+msg, "file", j.cfg.Path)
	return w.notice("records_dropped", msg, e.dropped)
}

func (w *writer) notice(event, msg string, count int64) []byte {
	line, _ := record.Record{Time: w.j.now(), Host: w.j.cfg.Host, Kind: record.KindNotice,
		Notice: &record.Notice{Source: "journal", Event: event, Message: msg, Count: count}}.Line()
	return line
}

// write appends one line with one write. A write that fails half way is
// cut back, now or before the next write.
func (w *writer) write(line []byte) error {
	j := w.j
	if w.f == nil {
		if err := w.openFile(); err != nil {
			return err
		}
	}
	if w.tornAt >= 0 {
		if err := w.f.Truncate(w.tornAt); err != nil {
			return fmt.Errorf("journal: cut a torn write: %w", err)
		}
		w.size, w.tornAt = w.tornAt, -1
	}
	if j.cfg.MaxSize > 0 && w.size > 0 && w.size+int64(len(line)) > j.cfg.MaxSize && !j.now().Before(w.noRotateUntil) {
		if err := w.rotate(); err != nil {
			w.noRotateUntil = j.now().Add(10 * j.cfg.Retry)
			j.log.Error("journal: rotation failed, writing on in the current file", "file", j.cfg.Path, "error", err)
			if w.f == nil {
				if err := w.openFile(); err != nil {
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
	w.j.mu.Lock()
	if err != nil {
		w.j.stats.SyncErrors++
	} else {
		w.j.stats.Syncs++
		w.dirty = false
	}
	w.j.mu.Unlock()
	if err != nil {
		return fmt.Errorf("journal: fsync %s: %w", w.j.cfg.Path, err)
	}
	return nil
}

// openFile opens Path and cuts a torn or corrupt tail (prefix-valid
// recovery), queueing a notice that says so.
func (w *writer) openFile() error {
	j := w.j
	f, err := j.fs.OpenAppend(j.cfg.Path)
	if errors.Is(err, ErrLocked) {
		return err
	}
	if err != nil {
		return fmt.Errorf("journal: open %s: %w", j.cfg.Path, err)
	}
	size, err := f.Size()
	if err != nil {
		f.Close()
		return fmt.Errorf("journal: %s: %w", j.cfg.Path, err)
	}
	valid, lines, d, err := validPrefix(io.NewSectionReader(f, 0, size), max(j.cfg.MaxRecord, 16<<20))
	if err != nil {
		f.Close()
		return fmt.Errorf("journal: read %s: %w", j.cfg.Path, err)
	}
	if d != nil {
		j.log.Warn("journal: torn or corrupt tail cut (prefix-valid recovery)", "file", j.cfg.Path,
			"offset", d.Offset, "line", d.Line, "reason", d.Reason, "cut_bytes", size-valid, "kept_lines", lines)
		if err := f.Truncate(valid); err != nil {
			f.Close()
			return fmt.Errorf("journal: cut the tail of %s: %w", j.cfg.Path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("journal: fsync %s: %w", j.cfg.Path, err)
		}
		msg := fmt.Sprintf("cut %d bytes from offset %d (line %d: %s); %d lines kept", size-valid, d.Offset, d.Line, d.Reason, lines)
		j.mu.Lock()
		j.stats.Repairs++
		j.stats.CutBytes += uint64(size - valid)
		j.q.pushFront(w.notice("repaired", msg, size-valid))
		j.mu.Unlock()
	}
	w.f, w.size, w.tornAt = f, valid, -1
	return nil
}

// reopen closes the file and opens Path again.
func (w *writer) reopen() error {
	w.sync()
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	return w.openFile()
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
		j.log.Warn("journal: fsync of the directory after rotation failed", "file", j.cfg.Path, "error", err)
	}
	if err := w.openFile(); err != nil {
		return err
	}
	j.mu.Lock()
	j.stats.Rotations++
	j.mu.Unlock()
	j.log.Info("journal: rotated", "file", j.cfg.Path, "kept", j.cfg.Keep)
	return nil
}
