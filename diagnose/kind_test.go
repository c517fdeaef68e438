package diagnose

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestKindsDeclared: every Kind constant of kind.go is in Kinds once, so
// that a kind declared and forgotten in the list fails here rather than
// never reaching Prometheus.
func TestKindsDeclared(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "kind.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []Kind
	for _, d := range file.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Kind" {
				continue
			}
			for _, val := range v.Values {
				name, err := strconv.Unquote(val.(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				declared = append(declared, Kind(name))
			}
		}
	}
	all := Kinds()
	if len(declared) < 15 || !slices.Equal(slices.Sorted(slices.Values(declared)), slices.Sorted(slices.Values(all))) {
		t.Errorf("declared kinds %v\nKinds() %v", declared, all)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(all)))) != len(all) {
		t.Errorf("a kind twice in Kinds(): %v", all)
	}
}

// ruleFindings are the findings of the rules over every recorded fixture,
// path and host, one slice a fixture.
func ruleFindings(t *testing.T) map[string][]Finding {
	t.Helper()
	out := map[string][]Finding{}
	for _, dir := range []string{"path", "host"} {
		names, err := os.ReadDir(filepath.Join("testdata", dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			name := strings.TrimSuffix(n.Name(), ".json")
			if dir == "path" {
				out[dir+"/"+name] = Path(loadPath(t, name), DefaultConfig())
				continue
			}
			f := loadFixture(t, name)
			out[dir+"/"+name] = Host(f.Snapshot, f.Table, DefaultConfig())
		}
	}
	return out
}

// TestFindingSubjects: what the rules find says what it is about in the
// fields its kind calls for, path findings have a headline, and no two
// findings of one evaluation share an identity unless they are an
// interface's errors and its drops.
func TestFindingSubjects(t *testing.T) {
	seen := map[Kind]bool{}
	for fixture, fs := range ruleFindings(t) {
		ids := map[ID]int{}
		for _, f := range fs {
			seen[f.Kind] = true
			if !slices.Contains(Kinds(), f.Kind) {
				t.Errorf("%s: kind %q is not in Kinds()", fixture, f.Kind)
			}
			s := f.Subject
			switch f.Kind.about() {
			case aboutHost:
				if s.Target != "" || s.Hop != 0 {
					t.Errorf("%s: host finding %s about a path: %+v", fixture, f.Kind, s)
				}
			case aboutHop:
				if s.Target == "" || s.Hop <= 0 || s.Addr == "" {
					t.Errorf("%s: hop finding %s names no hop: %+v", fixture, f.Kind, s)
				}
			case aboutPath:
				if s.Target == "" {
					t.Errorf("%s: path finding %s names no target: %+v", fixture, f.Kind, s)
				}
			}
			if f.Kind.about() != aboutHost && (f.Headline == "" || strings.Contains(f.Headline, "\n")) {
				t.Errorf("%s: %s has no one-line headline: %q", fixture, f.Kind, f.Headline)
			}
			ids[f.ID()]++
			if ids[f.ID()] > 1 && f.Kind != KindInterfaceErrors {
				t.Errorf("%s: two findings are %+v", fixture, f.ID())
			}
		}
	}
	if len(seen) < 10 {
		t.Errorf("the fixtures gave only %d kinds: %v", len(seen), seen)
	}
}

// TestFindingID: a target's loss is one finding wherever it is placed; a
// hop's latency step is one per hop; a process's listeners are one each.
func TestFindingID(t *testing.T) {
	loss := Finding{Kind: KindPathLoss, Subject: Subject{Target: "a", Hop: 3, Addr: "198.18.3.2"}}
	moved := loss
	moved.Hop, moved.Addr = 2, "198.18.2.2"
	if loss.ID() != moved.ID() {
		t.Errorf("path_loss placed at hop 3 and hop 2: %+v and %+v", loss.ID(), moved.ID())
	}
	other := moved
	other.Target = "b"
	if other.ID() == moved.ID() {
		t.Error("path_loss to two targets: one identity")
	}
	jump := Finding{Kind: KindLatencyJump, Subject: moved.Subject}
	jump3 := Finding{Kind: KindLatencyJump, Subject: loss.Subject}
	if jump.ID() == jump3.ID() {
		t.Error("latency_jump at hop 2 and hop 3: one identity")
	}
	v4 := Finding{Kind: KindCleartextService, Subject: Subject{PID: 7, Process: "ncat", Proto: "tcp", Local: "0.0.0.0:23"}}
	v6 := v4
	v6.Local = "[::]:23"
	if v4.ID() == v6.ID() {
		t.Error("a process's two listeners: one identity")
	}
}
