package journal

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// openClose opens the journal at path with a logger of its own, writes
// the records given, and closes it.
func openClose(t *testing.T, path string, fs fileSystem, write ...int) (*logBuf, Stats) {
	t.Helper()
	var log logBuf
	cfg := config(path)
	cfg.Logger = log.Logger()
	j, err := open(cfg, fs)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range write {
		if err := j.Write(rec("b", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return &log, j.Stats()
}

// TestOpenRepairsTornTail: a torn last line (a kill -9 mid-write) is cut
// on open, logged, and a notice says how much was cut; the whole lines
// before it stay.
func TestOpenRepairsTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	openClose(t, path, osFS{})
	var whole []byte
	for i := range 3 {
		line, _ := rec("a", i).Line()
		whole = append(whole, line...)
	}
	torn := []byte(`{"time":"2025-03-01T02:03:04Z","host":"h","kind":"no`)
	if err := os.WriteFile(path, append(whole, torn...), 0o640); err != nil {
		t.Fatal(err)
	}
	log, st := openClose(t, path, osFS{}, 0)
	if log.Count("torn tail cut") != 1 || !strings.Contains(log.String(), "offset="+itoa(len(whole))) {
		t.Errorf("log: %s", log.String())
	}
	rs := readJournal(t, path)
	if got := seqs(rs, "a"); len(got) != 3 || len(seqs(rs, "b")) != 1 {
		t.Errorf("records %v / %v after the repair", got, seqs(rs, "b"))
	}
	if n := notices(rs, "repaired"); len(n) != 1 || n[0].Count != int64(len(torn)) {
		t.Errorf("repair notices %+v, want one counting %d bytes", n, len(torn))
	}
	if st.Repairs != 1 || st.CutBytes != uint64(len(torn)) || st.SetAside != 0 {
		t.Errorf("stats %+v", st)
	}
	if m, _ := filepath.Glob(path + ".*"); len(m) != 0 {
		t.Errorf("a torn tail left files %v", m)
	}
}

// TestOpenSetsAsideCorruptMiddle is issue 19's journal: three good lines,
// one corrupt, three good lines. Prefix-valid recovery kept 3 and deleted
// the rest; now all six stay, in order, the corrupt line's bytes are in
// the file the notice names, and the log and the notice say where it was.
func TestOpenSetsAsideCorruptMiddle(t *testing.T) {
	path, content, bad := corruptFile(t, 0o600)
	log, st := openClose(t, path, osFS{}, 0)
	rs := readJournal(t, path)
	if got := seqs(rs, "a"); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5}) || len(seqs(rs, "b")) != 1 {
		t.Errorf("records %v / %v after the repair, want 0…5 and the new one", got, seqs(rs, "b"))
	}
	n := setAsideNotice(t, rs)
	off := strings.Index(content, bad)
	if len(n.Regions) != 1 || n.Count != int64(len(bad)) {
		t.Fatalf("notice %+v", n)
	}
	if g := n.Regions[0]; g.Offset != int64(off) || g.Length != int64(len(bad)) || g.Line != 4 || g.Lines != 1 ||
		g.Reason != "not a JSON object" || g.After.IsZero() || g.Before.IsZero() {
		t.Errorf("region %+v, want line 4 at %d, %d bytes, between two records", g, off, len(bad))
	}
	aside := filepath.Join(filepath.Dir(path), n.File)
	if !strings.HasPrefix(n.File, "j.jsonl.corrupt-") {
		t.Errorf("set aside in %q, want a file next to the journal", n.File)
	}
	if b, err := os.ReadFile(aside); err != nil || string(b) != bad {
		t.Errorf("the set-aside file holds %q (%v), want %q", b, err, bad)
	}
	if !strings.Contains(n.Message, aside) || !strings.Contains(n.Message, "6 readable lines kept") {
		t.Errorf("notice message %q", n.Message)
	}
	if log.Count("unreadable lines set aside") != 1 || !strings.Contains(log.String(), "aside="+aside) ||
		!strings.Contains(log.String(), "line=4") || !strings.Contains(log.String(), "kept_lines=6") {
		t.Errorf("log: %s", log.String())
	}
	if st.SetAside != 1 || st.SetAsideBytes != uint64(len(bad)) || st.Repairs != 0 {
		t.Errorf("stats %+v", st)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the repaired journal: %v, %v, want the old file's mode 0600", fi.Mode(), err)
	}
	if _, err := os.Stat(path + ".repair"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the repair's temporary file stayed: %v", err)
	}
	// Opened again, the repaired journal is clean: nothing more is set
	// aside.
	if _, st := openClose(t, path, osFS{}); st.SetAside != 0 || st.Repairs != 0 {
		t.Errorf("second open: %+v", st)
	}
}

// TestOpenSetsAsideAndCutsTail: regions are set aside, the torn tail cut,
// a whole last record without its newline kept; two notices say so.
func TestOpenSetsAsideAndCutsTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	content, bad := corruptMiddle(t)
	if err := os.WriteFile(path, []byte("garbage\n"+content+`{"time":"2025`), 0o640); err != nil {
		t.Fatal(err)
	}
	_, st := openClose(t, path, osFS{})
	rs := readJournal(t, path)
	if got := seqs(rs, "a"); len(got) != 6 {
		t.Errorf("records %v", got)
	}
	n := setAsideNotice(t, rs)
	if b, _ := os.ReadFile(filepath.Join(filepath.Dir(path), n.File)); string(b) != "garbage\n"+bad || len(n.Regions) != 2 || n.Regions[0].Line != 1 || n.Regions[1].Line != 5 {
		t.Errorf("set aside %q: %+v", b, n)
	}
	if r := notices(rs, "repaired"); len(r) != 1 || r[0].Count != int64(len(`{"time":"2025`)) {
		t.Errorf("repaired notices %+v", r)
	}
	if st.SetAside != 2 || st.Repairs != 1 {
		t.Errorf("stats %+v", st)
	}

	// A whole last record that lacks only its newline stays.
	last, _ := rec("a", 9).Line()
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append(b, last[:len(last)-1]...), 0o640); err != nil {
		t.Fatal(err)
	}
	_, st = openClose(t, path, osFS{}, 10)
	rs = readJournal(t, path)
	if got := seqs(rs, "a"); len(got) != 7 || got[6] != 9 || len(seqs(rs, "b")) != 1 || st.Repairs != 0 || st.SetAside != 0 {
		t.Errorf("records %v, stats %+v", got, st)
	}
}

// TestOpenSetAsideNames: a second repair in the same second gets a name
// of its own; the first file stays as it was.
func TestOpenSetAsideNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	content, bad := corruptMiddle(t)
	var files []string
	for range 2 {
		if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		openClose(t, path, osFS{})
		files = append(files, filepath.Join(filepath.Dir(path), setAsideNotice(t, readJournal(t, path)).File))
	}
	if files[0] == files[1] {
		t.Fatalf("both repairs set aside in %s", files[0])
	}
	for _, f := range files {
		if b, err := os.ReadFile(f); err != nil || string(b) != bad {
			t.Errorf("%s: %q, %v", f, b, err)
		}
	}
}

// asideFailFS cannot create the set-aside file, as on a full disk.
type asideFailFS struct{ osFS }

func (asideFailFS) CreateNew(string) (file, error) { return nil, syscall.ENOSPC }

// TestOpenSetAsideFails: when the unreadable lines cannot be set aside,
// Open fails and the journal is left as it was: nothing is deleted.
func TestOpenSetAsideFails(t *testing.T) {
	path, content, _ := corruptFile(t, 0o640)
	cfg := config(path)
	cfg.Logger = (&logBuf{}).Logger()
	if _, err := open(cfg, asideFailFS{}); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("open: %v, want ENOSPC", err)
	}
	if b, _ := os.ReadFile(path); string(b) != content {
		t.Errorf("the journal changed: %q", b)
	}
	if m, _ := filepath.Glob(path + ".*"); len(m) != 0 {
		t.Errorf("files left: %v", m)
	}
}

// TestOpenRepairedStaysLocked: the repaired file that replaced the journal
// is locked before it is in place: a second writer is refused.
func TestOpenRepairedStaysLocked(t *testing.T) {
	path, _, _ := corruptFile(t, 0o640)
	cfg := config(path)
	cfg.Logger = (&logBuf{}).Logger()
	j, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := Open(cfg); !errors.Is(err, ErrLocked) {
		t.Errorf("second open of the repaired journal: %v, want ErrLocked", err)
	}
}

// TestOpenCleanFileUntouched: a valid journal is appended to, not cut, and
// no notice is written.
func TestOpenCleanFileUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	for run := range 2 {
		cfg := config(path)
		cfg.Flush = time.Hour
		j, err := Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			if err := j.Write(rec(itoa(run), i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
	}
	rs := readJournal(t, path)
	if len(rs) != 10 || len(notices(rs, "repaired")) != 0 || len(notices(rs, "set_aside")) != 0 {
		t.Errorf("%d records: %+v", len(rs), rs)
	}
}
