package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"netdx/diagnose"
	"netdx/dialect/netdx"
	"netdx/trace"
	"netdx/watch/record"
)

// jsonDoc is where the JSON contracts are written down.
const jsonDoc = "../../docs/json.md"

// docRow is one field of a table in docs/json.md.
type docRow struct {
	name     string
	kind     string // string, integer, number, boolean, array, object
	elem     string // an array's elements' kind
	ref      string // the table an object (or an array's elements) follows
	nullable bool
	opaque   bool // a map: its keys are data
	always   bool
	line     int
}

// docTable is the table under one heading: the fields of one object.
type docTable struct {
	slug string
	rows map[string]*docRow
}

// docExample is a ```json block and the section it is in.
type docExample struct {
	section string
	line    int
	text    string
}

var (
	docLink  = regexp.MustCompile(`\[[^\]]*\]\(#([a-z0-9_-]+)\)`)
	docField = regexp.MustCompile("^`([^`]+)`$")
)

// slugOf is the anchor GitHub gives a heading.
func slugOf(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// docKinds are the finding kinds the table whose header starts with
// "| kind |" lists.
func docKinds(t *testing.T) []diagnose.Kind {
	t.Helper()
	b, err := os.ReadFile(jsonDoc)
	if err != nil {
		t.Fatal(err)
	}
	var out []diagnose.Kind
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "| kind |"):
			in = true
		case in && strings.HasPrefix(line, "|---"):
		case in && strings.HasPrefix(line, "|"):
			if m := docField.FindStringSubmatch(strings.TrimSpace(strings.Split(line, "|")[1])); m != nil {
				out = append(out, diagnose.Kind(m[1]))
			}
		default:
			in = false
		}
	}
	return out
}

// TestFindingKindsDocumented: the evidence table lists every finding kind,
// in diagnose's order, and no other.
func TestFindingKindsDocumented(t *testing.T) {
	if got, want := docKinds(t), diagnose.Kinds(); !slices.Equal(got, want) {
		t.Errorf("%s lists the kinds %v; diagnose.Kinds is %v", jsonDoc, got, want)
	}
}

// parseJSONDoc reads the field tables (a table whose header starts with
// "| field |", named by the heading above it) and the JSON examples of
// docs/json.md.
func parseJSONDoc(t *testing.T) (map[string]*docTable, []docExample) {
	t.Helper()
	b, err := os.ReadFile(jsonDoc)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]*docTable{}
	var examples []docExample
	var heading, section string
	var cur *docTable
	var example *docExample
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case example != nil && line == "```":
			examples = append(examples, *example)
			example = nil
		case example != nil:
			example.text += line + "\n"
		case line == "```json":
			example = &docExample{section: section, line: n}
		case strings.HasPrefix(line, "#"):
			heading = slugOf(strings.TrimLeft(line, "#"))
			if strings.HasPrefix(line, "## ") {
				section = heading
			}
			cur = nil
		case strings.HasPrefix(line, "| field |"):
			if tables[heading] != nil {
				t.Errorf("%s:%d: a second table under #%s", jsonDoc, n, heading)
			}
			cur = &docTable{slug: heading, rows: map[string]*docRow{}}
			tables[heading] = cur
		case cur != nil && strings.HasPrefix(line, "|---"):
		case cur != nil && strings.HasPrefix(line, "|"):
			if r := parseDocRow(t, line, n); r != nil {
				if cur.rows[r.name] != nil {
					t.Errorf("%s:%d: #%s documents %q twice", jsonDoc, n, cur.slug, r.name)
				}
				cur.rows[r.name] = r
			}
		default:
			cur = nil
		}
	}
	return tables, examples
}

// parseDocRow reads "| `name` | type | present | stability | meaning |".
func parseDocRow(t *testing.T, line string, n int) *docRow {
	cells := strings.Split(strings.Trim(line, "|"), "|")
	if len(cells) != 5 {
		t.Errorf("%s:%d: want 5 cells: %s", jsonDoc, n, line)
		return nil
	}
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	m := docField.FindStringSubmatch(cells[0])
	if m == nil {
		t.Errorf("%s:%d: the field is not in backquotes: %s", jsonDoc, n, cells[0])
		return nil
	}
	r := &docRow{name: m[1], line: n, always: cells[2] == "always"}
	if s := cells[3]; s != "stable" && s != "may grow" {
		t.Errorf("%s:%d: stability %q: want stable or may grow", jsonDoc, n, s)
	}
	typ := cells[1]
	if l := docLink.FindStringSubmatch(typ); l != nil {
		r.ref = l[1]
	}
	typ = docLink.ReplaceAllString(typ, "object")
	r.nullable = strings.HasSuffix(typ, " or null")
	word := func(s string) string { return strings.TrimRight(strings.Fields(s + " ")[0], ":,") }
	switch r.kind = word(typ); r.kind {
	case "map":
		r.kind, r.opaque = "object", true
	case "array":
		r.elem = word(strings.TrimPrefix(typ, "array of "))
	case "string", "integer", "number", "boolean", "object":
	default:
		t.Errorf("%s:%d: unknown type %q", jsonDoc, n, cells[1])
	}
	if (r.kind == "object" || r.elem == "object") && r.ref == "" && !r.opaque {
		t.Errorf("%s:%d: an object without a link to its table", jsonDoc, n)
	}
	return r
}

// kindOK reports whether a decoded JSON value is of the documented kind.
func kindOK(kind string, v any) bool {
	switch x := v.(type) {
	case string:
		return kind == "string"
	case bool:
		return kind == "boolean"
	case float64:
		return kind == "number" || kind == "integer" && x == math.Trunc(x)
	case []any:
		return kind == "array"
	case map[string]any:
		return kind == "object"
	}
	return false
}

// docWalker checks decoded documents against the tables and records which
// fields it saw.
type docWalker struct {
	t        *testing.T
	tables   map[string]*docTable
	seen     map[string]map[string]bool // table → fields seen
	reached  map[string]bool
	reported map[string]bool
}

func newDocWalker(t *testing.T, tables map[string]*docTable) *docWalker {
	return &docWalker{t: t, tables: tables, seen: map[string]map[string]bool{}, reached: map[string]bool{}, reported: map[string]bool{}}
}

// errorf reports a problem once per key (a table's field and what is
// wrong with it), not once per object that shows it.
func (w *docWalker) errorf(key, format string, a ...any) {
	w.t.Helper()
	if !w.reported[key] {
		w.reported[key] = true
		w.t.Errorf(format, a...)
	}
}

func (w *docWalker) walk(v any, slug, path string) {
	w.t.Helper()
	tab := w.tables[slug]
	if tab == nil {
		w.errorf("no table "+slug, "%s: no table #%s in %s", path, slug, jsonDoc)
		return
	}
	w.reached[slug] = true
	obj, ok := v.(map[string]any)
	if !ok {
		w.errorf(slug+" object", "%s: %T, want an object (#%s)", path, v, slug)
		return
	}
	if w.seen[slug] == nil {
		w.seen[slug] = map[string]bool{}
	}
	for k, x := range obj {
		p := path + "." + k
		r := tab.rows[k]
		if r == nil {
			w.errorf(slug+"."+k+" undocumented", "%s: not documented: add %q to the table under #%s in %s", p, k, slug, jsonDoc)
			continue
		}
		w.seen[slug][k] = true
		if x == nil {
			if !r.nullable {
				w.errorf(slug+"."+k+" null", "%s: null, but %s:%d does not say it may be", p, jsonDoc, r.line)
			}
			continue
		}
		if !kindOK(r.kind, x) {
			w.errorf(slug+"."+k+" kind", "%s: %v is not a %s (%s:%d)", p, x, r.kind, jsonDoc, r.line)
			continue
		}
		switch {
		case r.opaque:
		case r.kind == "array":
			for i, e := range x.([]any) {
				ep := fmt.Sprintf("%s[%d]", p, i)
				if !kindOK(r.elem, e) {
					w.errorf(slug+"."+k+" elem", "%s: %v is not a %s (%s:%d)", ep, e, r.elem, jsonDoc, r.line)
				} else if r.ref != "" {
					w.walk(e, r.ref, ep)
				}
			}
		case r.ref != "":
			w.walk(x, r.ref, p)
		}
	}
	for name, r := range tab.rows {
		if _, ok := obj[name]; r.always && !ok {
			w.errorf(slug+"."+name+" missing", "%s: no %q, which %s:%d says is always there", path, name, jsonDoc, r.line)
		}
	}
}

// jsonDocRoots are the documents netdx prints, by the table of their top
// object, made as m says.
func jsonDocRoots(t *testing.T, m fillMode) map[string][]any {
	t.Helper()
	raw := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rec := fill[record.Record](m)
	rec.Snapshot.Trace, rec.Snapshot.Sockets = raw(fill[trace.Result](m)), raw(fill[diagnose.SocketsReport](m))
	// A probe is an answer or a timeout; a filled one is an answer from a
	// TCP target. The other two shapes:
	addr := netip.MustParseAddr("198.18.0.1")
	probes := trace.Result{Hops: []trace.Hop{{TTL: 1, Probes: []trace.Probe{
		{Timeout: true, RateLimited: true, ICMPType: -1, ICMPCode: -1},
		{Addr: addr, RTT: time.Millisecond, ICMPType: 11},
	}}}}
	return map[string][]any{
		"ping":           {fill[netdx.PingJSON](m)},
		"trace":          {fill[trace.Result](m), probes},
		"trace---report": {fill[netdx.TraceReportJSON](m)},
		"link":           {fill[diagnose.LinkReport](m)},
		"sockets":        {fill[diagnose.SocketsReport](m)},
		"diagnose":       {fill[diagnose.Report](m)},
		"journal-record": {rec},
	}
}

// TestJSONDocumented holds docs/json.md to the code: every field of every
// document netdx prints is documented, with its type; a field said to be
// always there is, even when zero; every documented field is printed by
// some document; every example is valid JSON that fits its tables.
func TestJSONDocumented(t *testing.T) {
	tables, examples := parseJSONDoc(t)
	w := newDocWalker(t, tables)
	for _, m := range []fillMode{filled, bare} {
		for slug, docs := range jsonDocRoots(t, m) {
			for i, d := range docs {
				b, err := json.Marshal(d)
				if err != nil {
					t.Fatalf("%s: %v", slug, err)
				}
				var v any
				if err := json.Unmarshal(b, &v); err != nil {
					t.Fatal(err)
				}
				w.walk(v, slug, fmt.Sprintf("%s(%T %d, mode %d)", slug, d, i, m))
			}
		}
	}
	for slug, tab := range tables {
		if !w.reached[slug] {
			t.Errorf("#%s: no document netdx prints holds this object", slug)
			continue
		}
		for name, r := range tab.rows {
			if !w.seen[slug][name] {
				t.Errorf("%s:%d: #%s documents %q, which no document has", jsonDoc, r.line, slug, name)
			}
		}
	}
	// The examples are real output: they fit the tables (they do not
	// count as the code printing a field).
	roots := map[string]string{"watchs-journal": "journal-record"}
	ex := newDocWalker(t, tables)
	sections := map[string]bool{}
	for _, e := range examples {
		root := e.section
		if r, ok := roots[root]; ok {
			root = r
		}
		sections[e.section] = true
		dec := json.NewDecoder(strings.NewReader(e.text))
		for i := 0; ; i++ {
			var v any
			if err := dec.Decode(&v); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Errorf("%s:%d: the example is not JSON: %v", jsonDoc, e.line, err)
				}
				break
			}
			ex.walk(v, root, fmt.Sprintf("%s:%d example %d", jsonDoc, e.line, i))
		}
	}
	for _, s := range []string{"ping", "trace", "trace---report", "link", "sockets", "diagnose", "watchs-journal"} {
		if !sections[s] {
			t.Errorf("#%s has no example", s)
		}
	}
}
