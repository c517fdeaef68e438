package journal

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"netdx/watch/record"
)

// Errors of Write.
var (
	// ErrStopped: the backlog filled up with --on-full stop; the journal
	// takes no more records.
	ErrStopped = errors.New("journal: stopped: the backlog is full and --on-full is stop")
	ErrClosed  = errors.New("journal: closed")
	// ErrTooLarge: the record's line is longer than Config.MaxRecord.
	ErrTooLarge = errors.New("journal: record too large")
)

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
	Repairs     uint64 `json:"repairs"`      // torn or corrupt tails cut
	CutBytes    uint64 `json:"cut_bytes"`    // bytes those cuts removed
	Stopped     bool   `json:"stopped"`      // --on-full stop acted
	Failing     bool   `json:"failing"`      // the last write failed
	LastError   string `json:"last_error,omitempty"`
}

// Journal is an open journal. Its methods are safe for concurrent use.
type Journal struct {
	cfg Config
	fs  fileSystem
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	q       *backlog
	closed  bool
	stats   Stats
	episode episode

	wake chan struct{}
	reqs chan request
	quit chan struct{}
	done chan struct{}

	w writer // owned by the writer goroutine
}

// episode is one stretch of the final action acting, for the log and the
// notice that follows it.
type episode struct {
	dropped       int64
	first, last   time.Time
	lastLog       time.Time
	loggedDropped int64
}

// logEvery is how often the journal repeats that it keeps dropping records.
const logEvery = 10 * time.Second

type request struct {
	reopen bool
	done   chan error
}

// Open opens (creating) the journal at cfg.Path, repairs a torn or
// corrupt tail, and starts its writer. A bad Config returns an error
// wrapping ErrBadConfig; a file that cannot be opened or repaired, the
// error that said so.
func Open(cfg Config) (*Journal, error) { return open(cfg, osFS{}, time.Now) }

func open(cfg Config, fs fileSystem, now func() time.Time) (*Journal, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	j := &Journal{
		cfg: cfg, fs: fs, log: cfg.Logger, now: now,
		q:    newBacklog(cfg.Backlog, cfg.BacklogBytes),
		wake: make(chan struct{}, 1), reqs: make(chan request), quit: make(chan struct{}), done: make(chan struct{}),
	}
	j.w = writer{j: j, tornAt: -1}
	if err := j.w.openFile(); err != nil {
		return nil, err
	}
	go j.w.run()
	j.signal() // a repair notice may wait already
	return j, nil
}

// Write queues r for the disk. It returns at once: nil when the record is
// queued or dropped by the final action (counted and logged), ErrStopped
// once --on-full stop has acted, ErrTooLarge, ErrClosed, or the error of a
// record that cannot be encoded.
func (j *Journal) Write(r record.Record) error {
	line, err := r.Line()
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.closed:
		j.stats.Refused++
		return ErrClosed
	case j.stats.Stopped:
		j.stats.Refused++
		return ErrStopped
	case len(line) > j.cfg.MaxRecord:
		j.stats.Refused++
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(line), j.cfg.MaxRecord)
	}
	if !j.q.fits(len(line)) {
		switch j.cfg.OnFull {
		case PurgeOldest:
			for j.q.len() > 0 && !j.q.fits(len(line)) {
				j.q.pop()
				j.stats.Purged++
				j.acted(1, "purged the oldest waiting record")
			}
		case IgnoreNew:
			j.stats.Ignored++
			j.acted(1, "ignored a new record")
			return nil
		case Stop:
			j.stats.Stopped = true
			j.stats.Refused++
			j.log.Error("journal: backlog full, stopping: no record will be written from now on (--on-full stop)",
				"file", j.cfg.Path, "backlog", j.q.len(), "last_error", j.stats.LastError)
			return ErrStopped
		}
	}
	j.q.push(line)
	j.signal()
	return nil
}

// signal wakes the writer.
func (j *Journal) signal() {
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// acted counts n records dropped by the final action and logs the first
// drop of an episode, then at most every logEvery. Called with mu held.
func (j *Journal) acted(n int64, what string) {
	now := j.now()
	e := &j.episode
	if e.dropped == 0 {
		e.first = now
	}
	e.dropped += n
	e.last = now
	if e.loggedDropped == 0 || now.Sub(e.lastLog) >= logEvery {
		j.log.Warn("journal: backlog full: "+what+" (--on-full "+j.cfg.OnFull.String()+")",
			"file", j.cfg.Path, "backlog", j.q.len(), "dropped_so_far", e.dropped, "last_error", j.stats.LastError)
		e.lastLog, e.loggedDropped = now, e.dropped
	}
}

// Sync writes what the backlog holds, if the disk takes it, and fsyncs.
// It returns the error that keeps records waiting, if any.
func (j *Journal) Sync() error { return j.ask(request{}) }

// Reopen closes the file and opens Path again (after logrotate renamed
// it; call it on SIGHUP), repairing the new file's tail if it has one.
// Records keep waiting in the backlog if the new file cannot be opened.
func (j *Journal) Reopen() error { return j.ask(request{reopen: true}) }

func (j *Journal) ask(r request) error {
	r.done = make(chan error, 1)
	select {
	case j.reqs <- r:
		return <-r.done
	case <-j.done:
		return ErrClosed
	}
}

// Stats returns the journal's counters.
func (j *Journal) Stats() Stats {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := j.stats
	s.Backlog = j.q.len()
	return s
}

// Close writes what it can of the backlog (one attempt), fsyncs and closes
// the file. Records still waiting are lost: Close says how many.
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return ErrClosed
	}
	j.closed = true
	j.mu.Unlock()
	close(j.quit)
	<-j.done
	j.mu.Lock()
	defer j.mu.Unlock()
	if n := j.q.len(); n > 0 {
		j.log.Error("journal: closed with records unwritten", "file", j.cfg.Path, "lost", n, "last_error", j.stats.LastError)
		return fmt.Errorf("journal: closed with %d records unwritten: %s", n, j.stats.LastError)
	}
	return nil
}

// ensure Journal is a sink: the one-method interface the watch declares.
var _ interface{ Write(record.Record) error } = (*Journal)(nil)

var _ io.Closer = (*Journal)(nil)
