package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"netdx/internal/testkit"
	"netdx/watch/record"
)

// config is DefaultConfig for the journal at path.
func config(path string) Config {
	c := DefaultConfig()
	c.Path = path
	return c
}

// logBuf collects the journal's log lines.
type logBuf = testkit.LogBuffer

// rec is test record seq of run: a notice whose count is seq.
func rec(run string, seq int) record.Record {
	return record.Record{Time: time.Unix(1700000000, 0).UTC(), Host: "h", Kind: record.KindNotice,
		Notice: &record.Notice{Source: "test", Event: run, Message: "record " + strconv.Itoa(seq), Count: int64(seq)}}
}

// readJournal parses every line of path, failing the test on a line that
// is not a whole record.
func readJournal(t testing.TB, path string) []record.Record {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatalf("%s: last line torn: %q", path, tail(b))
	}
	var out []record.Record
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 256<<20)
	for n := 1; sc.Scan(); n++ {
		var r record.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s line %d: %v: %q", path, n, err, tail(sc.Bytes()))
		}
		if err := r.Check(); err != nil {
			t.Fatalf("%s line %d: %v", path, n, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func tail(b []byte) []byte { return b[max(0, len(b)-80):] }

// seqs returns the counts of the test records of run, in file order.
func seqs(rs []record.Record, run string) []int {
	var out []int
	for _, r := range rs {
		if r.Notice != nil && r.Notice.Source == "test" && r.Notice.Event == run {
			out = append(out, int(r.Notice.Count))
		}
	}
	return out
}

// notices returns the journal's own notices of event.
func notices(rs []record.Record, event string) []record.Notice {
	var out []record.Notice
	for _, r := range rs {
		if r.Notice != nil && r.Notice.Source == "journal" && r.Notice.Event == event {
			out = append(out, *r.Notice)
		}
	}
	return out
}

// faultFS is the real file system with a disk whose free space the test
// sets: room < 0 is unlimited; a write longer than room writes room bytes
// and fails with ENOSPC, as a full disk does.
type faultFS struct {
	osFS
	mu   sync.Mutex
	room int64
}

func (fs *faultFS) setRoom(n int64) {
	fs.mu.Lock()
	fs.room = n
	fs.mu.Unlock()
}

func (fs *faultFS) OpenAppend(path string) (file, error) {
	f, err := fs.osFS.OpenAppend(path)
	if err != nil {
		return nil, err
	}
	return &faultFile{file: f, fs: fs}, nil
}

type faultFile struct {
	file
	fs *faultFS
}

func (f *faultFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.fs.room < 0 || int64(len(p)) <= f.fs.room {
		if f.fs.room >= 0 {
			f.fs.room -= int64(len(p))
		}
		return f.file.Write(p)
	}
	n, err := f.file.Write(p[:f.fs.room])
	f.fs.room = 0
	if err != nil {
		return n, err
	}
	return n, syscall.ENOSPC
}

// waitFor polls cond until it holds or 10 s have passed.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	testkit.WaitFor(t, what, time.Millisecond, cond)
}

// slowFS is the real file system with writes that wait for the test.
type slowFS struct {
	osFS
	gate chan struct{} // a write proceeds when the test sends on it
}

func (fs *slowFS) OpenAppend(path string) (file, error) {
	f, err := fs.osFS.OpenAppend(path)
	if err != nil {
		return nil, err
	}
	return &slowFile{file: f, gate: fs.gate}, nil
}

type slowFile struct {
	file
	gate chan struct{}
}

func (f *slowFile) Write(p []byte) (int, error) {
	<-f.gate
	return f.file.Write(p)
}
