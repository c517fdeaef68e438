package journal

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"netdx/watch/record"
)

func layoutOf(t testing.TB, in string, maxLine int) *layout {
	t.Helper()
	l, err := readLayout(strings.NewReader(in), int64(len(in)), maxLine)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestReadLayout(t *testing.T) {
	a := `{"time":"2025-03-01T02:03:04Z","a":1}` + "\n"
	b := `{"time":"2025-03-01T02:03:05Z","b":2}` + "\n"
	n := len(a)
	type reg struct {
		off, length  int
		line, lines  int
		reason       string
		after, befor bool
	}
	for _, c := range []struct {
		name         string
		in           string
		records      int
		regions      []reg
		cut          int // -1: no torn tail
		unterminated bool
	}{
		{"empty", "", 0, nil, -1, false},
		{"whole", a + b, 2, nil, -1, false},
		{"torn", a + `{"b"`, 1, nil, n, false},
		{"zeros after a crash", a + "\x00\x00\x00", 1, nil, n, false},
		{"a whole record without its newline", a + strings.TrimSuffix(b, "\n"), 2, nil, -1, true},
		{"corrupt in the middle", a + "not json\n" + b, 2, []reg{{n, 9, 2, 1, "not a JSON object", true, true}}, -1, false},
		{"two bad lines make one region", a + "x\ny\n" + b, 2, []reg{{n, 4, 2, 2, "not a JSON object", true, true}}, -1, false},
		{"two regions", a + "x\n" + b + "y\n" + a, 3,
			[]reg{{n, 2, 2, 1, "not a JSON object", true, true}, {2*n + 2, 2, 4, 1, "not a JSON object", true, true}}, -1, false},
		{"bad first line", "x\n" + a, 1, []reg{{0, 2, 1, 1, "not a JSON object", false, true}}, -1, false},
		{"bad last whole line", a + "x\n", 1, []reg{{n, 2, 2, 1, "not a JSON object", true, false}}, -1, false},
		{"a region and a torn tail", a + "x\n" + b + `{"c`, 2, []reg{{n, 2, 2, 1, "not a JSON object", true, true}}, 2*n + 2, false},
		{"zeros then newline", a + "\x00\x00\n", 1, []reg{{n, 3, 2, 1, "not a JSON object", true, false}}, -1, false},
		{"an array", "[1]\n", 0, []reg{{0, 4, 1, 1, "not a JSON object", false, false}}, -1, false},
		{"an empty line", a + "\n" + a, 2, []reg{{n, 1, 2, 1, "not a JSON object", true, true}}, -1, false},
		{"two objects on a line", `{} {}` + "\n", 0, []reg{{0, 6, 1, 1, "not a JSON object", false, false}}, -1, false},
		{"too long", a + `{"x":"` + strings.Repeat("y", 200) + `"}` + "\n" + b, 2,
			[]reg{{n, 209, 2, 1, "longer than 100 bytes", true, true}}, -1, false},
	} {
		l := layoutOf(t, c.in, 100)
		cut := c.cut
		if cut < 0 {
			cut = len(c.in)
		}
		if l.records != c.records || l.cut != int64(cut) || l.unterminated != c.unterminated || len(l.regions) != len(c.regions) {
			t.Errorf("%s: %d records, cut at %d, unterminated %v, regions %+v", c.name, l.records, l.cut, l.unterminated, l.regions)
			continue
		}
		for i, w := range c.regions {
			g := l.regions[i]
			if g.Offset != int64(w.off) || g.Length != int64(w.length) || g.Line != w.line || g.Lines != w.lines ||
				!strings.Contains(g.Reason, w.reason) || g.After.IsZero() == w.after || g.Before.IsZero() == w.befor {
				t.Errorf("%s: region %d %+v, want %+v", c.name, i, g, w)
			}
		}
	}
	// A line longer than the reader's buffer but within the bound.
	long := `{"x":"` + strings.Repeat("y", 200<<10) + `"}` + "\n"
	if l := layoutOf(t, long+a, 1<<20); !l.clean() || l.records != 2 {
		t.Errorf("long line: %+v", l)
	}
	// The times around a region are the records' own.
	l := layoutOf(t, a+"x\n"+b, 100)
	if g := l.regions[0]; g.After.Second() != 4 || g.Before.Second() != 5 {
		t.Errorf("region between %v and %v, want :04 and :05", g.After, g.Before)
	}
}

func FuzzReadLayout(f *testing.F) {
	f.Add([]byte(`{"a":1}` + "\n" + `{"b"`))
	f.Add([]byte("{}\n\x00\n{}\n"))
	f.Add([]byte(`{"time":"2025-03-01T02:03:04Z","host":"h","kind":"notice","notice":{"source":"x","event":"y","message":"z"}}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := readLayout(bytes.NewReader(b), int64(len(b)), 64)
		if err != nil {
			t.Fatal(err)
		}
		if l.cut > int64(len(b)) || (l.unterminated && l.cut != int64(len(b))) {
			t.Fatalf("cut %d of %d, unterminated %v", l.cut, len(b), l.unterminated)
		}
		// Kept, set aside and cut add up to the input, in order.
		var kept, aside []byte
		from := int64(0)
		for _, g := range l.regions {
			if g.Offset < from || g.Length <= 0 || g.Offset+g.Length > l.cut {
				t.Fatalf("region %+v after %d, cut %d", g, from, l.cut)
			}
			kept = append(kept, b[from:g.Offset]...)
			aside = append(aside, b[g.Offset:g.Offset+g.Length]...)
			from = g.Offset + g.Length
		}
		kept = append(kept, b[from:l.cut]...)
		if len(kept)+len(aside)+len(b)-int(l.cut) != len(b) {
			t.Fatalf("kept %d, aside %d, cut %d of %d", len(kept), len(aside), len(b)-int(l.cut), len(b))
		}
		if l.unterminated {
			kept = append(kept, '\n')
		}
		n := 0
		for line := range bytes.Lines(kept) {
			if !isObject(line) || len(line) > 64 {
				t.Fatalf("kept %q", line)
			}
			n++
		}
		if n != l.records {
			t.Fatalf("%d lines kept, said %d", n, l.records)
		}
		for line := range bytes.Lines(aside) {
			if isObject(line) && len(line) <= 64 {
				t.Fatalf("set aside a readable line %q", line)
			}
		}
		if tail := b[l.cut:]; bytes.IndexByte(tail, '\n') >= 0 || (len(tail) > 0 && isObject(append(tail, '\n'))) {
			t.Fatalf("cut %q", tail)
		}
	})
}

// corruptMiddle is the journal of issue 19: three good lines, one
// corrupt, three good lines.
func corruptMiddle(t testing.TB) (content, bad string) {
	var b strings.Builder
	for i := range 3 {
		line, _ := rec("a", i).Line()
		b.Write(line)
	}
	bad = `{"time":"2025-03-01T02:03:04Z","host":"h","kind":"rou#CORRUPT` + "\n"
	b.WriteString(bad)
	for i := 3; i < 6; i++ {
		line, _ := rec("a", i).Line()
		b.Write(line)
	}
	return b.String(), bad
}

// corruptFile writes corruptMiddle to a new journal file with mode.
func corruptFile(t testing.TB, mode os.FileMode) (path, content, bad string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "j.jsonl")
	content, bad = corruptMiddle(t)
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return path, content, bad
}

// setAsideNotice is the one set_aside notice of rs.
func setAsideNotice(t testing.TB, rs []record.Record) record.Notice {
	t.Helper()
	n := notices(rs, "set_aside")
	if len(n) != 1 {
		t.Fatalf("set_aside notices %+v, want one", n)
	}
	return n[0]
}
