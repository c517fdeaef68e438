package journal

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValidPrefix(t *testing.T) {
	a := `{"a":1}` + "\n"
	for _, c := range []struct {
		name, in string
		valid    int
		line     int
		reason   string // "" means no damage
	}{
		{"empty", "", 0, 0, ""},
		{"whole", a + a, 2 * len(a), 0, ""},
		{"torn", a + `{"b"`, len(a), 2, "torn"},
		{"corrupt in the middle", a + "not json\n" + a, len(a), 2, "not a JSON object"},
		{"zeros after a crash", a + "\x00\x00\x00", len(a), 2, "torn"},
		{"zeros then newline", a + "\x00\x00\n", len(a), 2, "not a JSON object"},
		{"an array", "[1]\n", 0, 1, "not a JSON object"},
		{"an empty line", a + "\n" + a, len(a), 2, "not a JSON object"},
		{"two objects on a line", `{} {}` + "\n", 0, 1, "not a JSON object"},
		{"too long", a + `{"x":"` + strings.Repeat("y", 200) + `"}` + "\n", len(a), 2, "longer than"},
	} {
		valid, lines, d, err := validPrefix(strings.NewReader(c.in), 100)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		switch {
		case valid != int64(c.valid):
			t.Errorf("%s: valid %d, want %d", c.name, valid, c.valid)
		case c.reason == "" && d != nil:
			t.Errorf("%s: damage %+v", c.name, d)
		case c.reason != "" && (d == nil || !strings.Contains(d.Reason, c.reason) || d.Line != c.line || d.Offset != int64(c.valid)):
			t.Errorf("%s: damage %+v, want line %d: %s", c.name, d, c.line, c.reason)
		case d == nil && lines != strings.Count(c.in, "\n"):
			t.Errorf("%s: %d lines", c.name, lines)
		}
	}
	// A line longer than the reader's buffer but within the bound.
	long := `{"x":"` + strings.Repeat("y", 200<<10) + `"}` + "\n"
	if valid, _, d, _ := validPrefix(strings.NewReader(long+a), 1<<20); d != nil || valid != int64(len(long)+len(a)) {
		t.Errorf("long line: valid %d, damage %+v", valid, d)
	}
}

func FuzzValidPrefix(f *testing.F) {
	f.Add([]byte(`{"a":1}` + "\n" + `{"b"`))
	f.Add([]byte("{}\n\x00\n"))
	f.Add([]byte(`{"time":"2025-03-01T02:03:04Z","host":"h","kind":"notice","notice":{"source":"x","event":"y","message":"z"}}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		valid, lines, d, err := validPrefix(bytes.NewReader(b), 64)
		if err != nil {
			t.Fatal(err)
		}
		if valid > int64(len(b)) || (d == nil && valid != int64(len(b))) || (d != nil && d.Offset != valid) {
			t.Fatalf("valid %d of %d, damage %+v", valid, len(b), d)
		}
		kept := b[:valid]
		if len(kept) > 0 && kept[len(kept)-1] != '\n' {
			t.Fatalf("kept prefix ends mid-line: %q", kept)
		}
		n := 0
		for l := range bytes.Lines(kept) {
			if !isObject(l) || len(l) > 64 {
				t.Fatalf("kept %q", l)
			}
			n++
		}
		if n != lines {
			t.Fatalf("%d lines kept, said %d", n, lines)
		}
	})
}

// TestOpenRepairsTornTail: a torn last line (a kill -9 mid-write) is cut
// on open, logged, and a notice says how much was cut; the whole lines
// before it stay.
func TestOpenRepairsTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := Open(config(path))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := j.Write(rec("a", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	whole, _ := os.ReadFile(path)
	torn := []byte(`{"time":"2025-03-01T02:03:04Z","host":"h","kind":"no`)
	if err := os.WriteFile(path, append(whole, torn...), 0o640); err != nil {
		t.Fatal(err)
	}
	var log logBuf
	cfg := config(path)
	cfg.Logger = log.Logger()
	j, err = Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Write(rec("b", 0)); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if log.Count("torn or corrupt tail cut") != 1 || !strings.Contains(log.String(), "offset="+itoa(len(whole))) {
		t.Errorf("log: %s", log.String())
	}
	rs := readJournal(t, path)
	if got := seqs(rs, "a"); len(got) != 3 || len(seqs(rs, "b")) != 1 {
		t.Errorf("records %v / %v after the repair", got, seqs(rs, "b"))
	}
	if n := notices(rs, "repaired"); len(n) != 1 || n[0].Count != int64(len(torn)) {
		t.Errorf("repair notices %+v, want one counting %d bytes", n, len(torn))
	}
	if s := j.Stats(); s.Repairs != 1 || s.CutBytes != uint64(len(torn)) {
		t.Errorf("stats %+v", s)
	}
}

// TestOpenCutsAtFirstCorruptLine: prefix-valid recovery keeps nothing
// after the first bad line, even whole lines.
func TestOpenCutsAtFirstCorruptLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	good, _ := rec("a", 0).Line()
	later, _ := rec("a", 2).Line()
	content := string(good) + "garbage\n" + string(later)
	if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
	var log logBuf
	cfg := config(path)
	cfg.Logger = log.Logger()
	j, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	rs := readJournal(t, path)
	if got := seqs(rs, "a"); len(got) != 1 || got[0] != 0 || len(notices(rs, "repaired")) != 1 {
		t.Errorf("kept %v, notices %+v", got, rs)
	}
	if !strings.Contains(log.String(), `reason="not a JSON object"`) || !strings.Contains(log.String(), "line=2") {
		t.Errorf("log: %s", log.String())
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
	if len(rs) != 10 || len(notices(rs, "repaired")) != 0 {
		t.Errorf("%d records: %+v", len(rs), rs)
	}
}
