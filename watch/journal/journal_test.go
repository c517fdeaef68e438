package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"netdx/watch/backlog"
	"netdx/watch/record"
)

func itoa(i int) string { return strconv.Itoa(i) }

// TestRotation: the file is rotated before it would pass MaxSize, Keep
// rotated files stay, and together they hold the newest records in order.
func TestRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j.jsonl")
	line, _ := rec("r", 10).Line()
	const maxSize = 1000
	cfg := config(path)
	cfg.MaxSize, cfg.Keep, cfg.MaxRecord, cfg.Logger = maxSize, 3, 200, (&logBuf{}).Logger()
	j, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	for i := range n {
		if err := j.Write(rec("r", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	perFile := maxSize / len(line)
	var all []int
	for _, name := range []string{path + ".3", path + ".2", path + ".1", path} {
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > maxSize {
			t.Errorf("%s: %d bytes, more than %d", name, st.Size(), maxSize)
		}
		got := seqs(readJournal(t, name), "r")
		if name != path && len(got) != perFile {
			t.Errorf("%s holds %d records, want %d", name, len(got), perFile)
		}
		all = append(all, got...)
	}
	if _, err := os.Stat(path + ".4"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s.4 exists: Keep is 3", path)
	}
	for i, s := range all {
		if s != n-len(all)+i {
			t.Fatalf("records across the files %v: want the last %d in order", all, len(all))
		}
	}
	if s := j.Stats(); s.Rotations < 3 || s.Written != n {
		t.Errorf("stats %+v", s)
	}
}

// fullDisk opens a journal on a disk with no room and a backlog of 5, and
// has the first record fail.
func fullDisk(t *testing.T, action backlog.OnFull) (*Journal, *faultFS, string, *logBuf) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "j.jsonl")
	fs := &faultFS{room: -1}
	log := &logBuf{}
	cfg := config(path)
	cfg.Backlog, cfg.OnFull, cfg.Retry, cfg.Logger = 5, action, time.Hour, log.Logger()
	j, err := open(cfg, fs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	if err := j.Write(rec("w", -1)); err != nil {
		t.Fatal(err)
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	fs.setRoom(0)
	if err := j.Write(rec("w", 0)); err != nil {
		t.Fatal(err)
	}
	if err := j.Sync(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("sync on a full disk: %v", err)
	}
	if log.Count("write failed") != 1 {
		t.Errorf("log: %s", log.String())
	}
	return j, fs, path, log
}

// TestOnFull: with the disk full and a backlog of 5, ten more records
// arrive; each final action keeps what it says, logs when it acts, and the
// journal says in a notice how many records are missing.
func TestOnFull(t *testing.T) {
	for _, c := range []struct {
		action  backlog.OnFull
		want    []int // records 0…10 on disk after the disk recovers
		dropped int
		logged  string
	}{
		{backlog.PurgeOldest, []int{6, 7, 8, 9, 10}, 6, "purged the oldest waiting record"},
		{backlog.IgnoreNew, []int{0, 1, 2, 3, 4}, 6, "ignored a new record"},
		{backlog.Stop, []int{0, 1, 2, 3, 4}, 0, "stopping"},
	} {
		t.Run(c.action.String(), func(t *testing.T) {
			j, fs, path, log := fullDisk(t, c.action)
			var stopped int
			for i := 1; i <= 10; i++ {
				err := j.Write(rec("w", i))
				switch {
				case errors.Is(err, backlog.ErrStopped) && c.action == backlog.Stop:
					stopped++
				case err != nil:
					t.Fatal(err)
				}
			}
			if log.Count(c.logged) != 1 {
				t.Errorf("log lines saying %q: %d, want 1 (the first action of the episode): %s", c.logged, log.Count(c.logged), log.String())
			}
			fs.setRoom(-1)
			if err := j.Sync(); err != nil {
				t.Fatal(err)
			}
			rs := readJournal(t, path)
			if got := seqs(rs, "w"); !slices.Equal(got, append([]int{-1}, c.want...)) {
				t.Errorf("on disk %v, want -1 then %v", got, c.want)
			}
			s := j.Stats()
			gaps := notices(rs, "records_dropped")
			switch c.action {
			case backlog.Stop:
				if stopped != 6 || !s.Stopped || s.Refused != 6 || len(gaps) != 0 {
					t.Errorf("stop: %d refused, stats %+v, notices %+v", stopped, s, gaps)
				}
				if err := j.Write(rec("w", 11)); !errors.Is(err, backlog.ErrStopped) {
					t.Errorf("write after the disk recovered: %v, want ErrStopped", err)
				}
			default:
				if len(gaps) != 1 || gaps[0].Count != int64(c.dropped) || s.Purged+s.Ignored != uint64(c.dropped) || j.Dropped() != uint64(c.dropped) {
					t.Errorf("notices %+v, stats %+v: want one gap of %d", gaps, s, c.dropped)
				}
				if log.Count("backlog drained") != 1 || log.Count("takes writes again") != 1 {
					t.Errorf("log: %s", log.String())
				}
			}
		})
	}
}

// TestPartialWriteCut: a write the full disk took only part of is cut
// back, so the next record does not follow a torn fragment.
func TestPartialWriteCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	fs := &faultFS{room: -1}
	cfg := config(path)
	cfg.Retry, cfg.Logger = time.Hour, (&logBuf{}).Logger()
	j, err := open(cfg, fs)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	line, _ := rec("p", 0).Line()
	fs.setRoom(int64(len(line) + 10)) // the second record tears
	for i := range 2 {
		if err := j.Write(rec("p", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Sync(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("sync: %v", err)
	}
	if b, _ := os.ReadFile(path); len(b) != len(line) {
		t.Errorf("after the torn write the file holds %d bytes, want the first line's %d", len(b), len(line))
	}
	fs.setRoom(-1)
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := seqs(readJournal(t, path), "p"); !slices.Equal(got, []int{0, 1}) {
		t.Errorf("records %v", got)
	}
}

// TestReopen: after logrotate renames the file, Reopen starts a new one.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j.jsonl")
	j, err := Open(config(path))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for i := range 4 {
		if i == 2 {
			if err := j.Sync(); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path, path+".old"); err != nil {
				t.Fatal(err)
			}
			if err := j.Reopen(); err != nil {
				t.Fatal(err)
			}
		}
		if err := j.Write(rec("o", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	if a, b := seqs(readJournal(t, path+".old"), "o"), seqs(readJournal(t, path), "o"); !slices.Equal(a, []int{0, 1}) || !slices.Equal(b, []int{2, 3}) {
		t.Errorf("old file %v, new file %v", a, b)
	}
}

// TestFlush: a flush of 1h fsyncs only on Sync (for 59 minutes of the
// bubble's clock); FlushEach fsyncs after every record; a short flush on
// its own.
func TestFlush(t *testing.T) {
	for _, c := range []struct {
		flush time.Duration
		each  bool
		check func(Stats) bool
	}{
		{time.Hour, false, func(s Stats) bool { return s.Written == 3 && s.Syncs == 0 }},
		{time.Hour, true, func(s Stats) bool { return s.Written == 3 && s.Syncs == 3 }},
		{5 * time.Millisecond, false, func(s Stats) bool { return s.Written == 3 && s.Syncs >= 1 }},
	} {
		synctest.Test(t, func(t *testing.T) {
			cfg := config(filepath.Join(t.TempDir(), "j"))
			cfg.Flush, cfg.FlushEach = c.flush, c.each
			j, err := Open(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if err := j.Write(rec("f", i)); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, fmt.Sprintf("flush %v: stats", c.flush), func() bool { return c.check(j.Stats()) })
			if c.flush == time.Hour && !c.each {
				synctest.Wait()
				time.Sleep(59 * time.Minute)
				synctest.Wait() // the writer has done all it would
				if s := j.Stats(); s.Syncs != 0 {
					t.Errorf("flush 1h: %d fsyncs before Sync", s.Syncs)
				}
				j.Sync()
				if s := j.Stats(); s.Syncs != 1 {
					t.Errorf("flush 1h: %d fsyncs after Sync", s.Syncs)
				}
			}
			j.Close()
		})
	}
}

func TestWriteErrors(t *testing.T) {
	cfg := config(filepath.Join(t.TempDir(), "j"))
	cfg.MaxRecord = 300
	j, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	big := rec("e", 0)
	big.Notice.Message = strings.Repeat("x", 300)
	if err := j.Write(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("big record: %v", err)
	}
	if err := j.Write(record.Record{Kind: record.KindAudit}); err == nil {
		t.Error("a record without payload was taken")
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Write(rec("e", 1)); !errors.Is(err, backlog.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// TestValidate: a field out of its bounds is refused before anything is
// opened, named with the value given; the backlog's bounds are named by
// the journal's fields.
func TestValidate(t *testing.T) {
	for _, c := range []struct {
		field string
		value any
		set   func(*Config)
	}{
		{"Path", "", func(c *Config) { c.Path = "" }},
		{"Keep", -1, func(c *Config) { c.Keep = -1 }},
		{"OnFull", backlog.OnFull(7), func(c *Config) { c.OnFull = 7 }},
		{"MaxSize", int64(4096), func(c *Config) { c.MaxSize = 4096 }},
		{"MaxSize", int64(-2), func(c *Config) { c.MaxSize = -2 }},
		{"Flush", time.Duration(0), func(c *Config) { c.Flush = 0 }},
		{"Backlog", 0, func(c *Config) { c.Backlog = 0 }},
		{"BacklogBytes", int64(1000), func(c *Config) { c.BacklogBytes = 1000 }},
		{"Retry", time.Duration(0), func(c *Config) { c.Retry = 0 }},
	} {
		cfg := config(filepath.Join(t.TempDir(), "j"))
		c.set(&cfg)
		var ce *ConfigError
		if _, err := Open(cfg); !errors.As(err, &ce) || !errors.Is(err, ErrConfig) || ce.Field != c.field || ce.Value != c.value {
			t.Errorf("%s %v: %v", c.field, c.value, err)
		}
	}
	cfg := config("x")
	cfg.MaxSize = 4096
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "at least 4194304 bytes") {
		t.Errorf("the minimum size is not named: %v", err)
	}
	cfg.MaxSize = NeverRotate
	if err := cfg.Validate(); err != nil {
		t.Errorf("never rotate: %v", err)
	}
}

// TestSlowDisk: a write that hangs never blocks Write; the backlog takes
// the records, its bound applies, and they reach the disk once it moves.
func TestSlowDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	fs := &slowFS{gate: make(chan struct{})}
	log := &logBuf{}
	cfg := config(path)
	cfg.Backlog, cfg.Logger = 10, log.Logger()
	j, err := open(cfg, fs)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Write(rec("s", 0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the writer to take record 0", func() bool { return j.Stats().Backlog == 0 })
	for i := 1; i <= 20; i++ { // the writer is stuck in record 0's write
		if err := j.Write(rec("s", i)); err != nil {
			t.Fatal(err)
		}
	}
	if s := j.Stats(); s.Backlog != 10 || s.Purged != 10 || log.Count("purged the oldest") != 1 {
		t.Errorf("stats %+v, log %s", s, log.String())
	}
	close(fs.gate) // the disk moves again
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	want := append([]int{0}, seq(11, 20)...)
	rs := readJournal(t, path)
	if got := seqs(rs, "s"); !slices.Equal(got, want) {
		t.Errorf("on disk %v, want %v", got, want)
	}
	if n := notices(rs, "records_dropped"); len(n) != 1 || n[0].Count != 10 {
		t.Errorf("notices %+v", n)
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// TestRetry: a failing disk is tried again every Retry on its own, however
// often fsync ticks and records arrive meanwhile.
func TestRetry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	fs := &faultFS{room: 0}
	log := &logBuf{}
	cfg := config(path)
	cfg.Flush, cfg.Retry, cfg.Logger = time.Millisecond, 20*time.Millisecond, log.Logger()
	j, err := open(cfg, fs)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	j.Write(rec("r", 0))
	waitFor(t, "a failed write", func() bool { return j.Stats().Failing })
	stop := make(chan struct{})
	go func() { // records keep coming
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				j.Write(rec("r", i))
			}
		}
	}()
	waitFor(t, "a retry", func() bool { return j.Stats().WriteErrors >= 3 })
	fs.setRoom(-1)
	waitFor(t, "the backlog to drain on its own", func() bool { s := j.Stats(); return !s.Failing && s.Written > 0 })
	// The writer logs right after it publishes its stats.
	waitFor(t, "the log to say so", func() bool { return log.Count("takes writes again") > 0 })
	close(stop)
	if log.Count("takes writes again") != 1 {
		t.Errorf("log: %s", log.String())
	}
}

// TestOneWriter: a second journal on the same file is refused while the
// first is open, and accepted once it is closed.
func TestOneWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := Open(config(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(config(path)); !errors.Is(err, ErrLocked) {
		t.Errorf("second writer: %v", err)
	}
	j.Close()
	j, err = Open(config(path))
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
}
