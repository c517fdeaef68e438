package trigger

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"netdx/diagnose"
	"netdx/internal/testkit"
	"netdx/watch/record"
)

func finding(kind record.Kind) record.Record {
	t0 := time.Date(2025, 3, 1, 2, 3, 4, 0, time.UTC)
	r := record.Record{Time: t0, Host: "h1", Kind: kind, Finding: &diagnose.Finding{Kind: diagnose.KindPathLoss,
		Severity: diagnose.Warning, Subject: diagnose.Subject{Target: "198.18.3.2"}, Summary: "12% loss; it's \"bad\"", Evidence: map[string]any{"loss_pct": 12.0}}}
	if kind == record.KindCleared {
		r.Since = t0.Add(-time.Minute)
	}
	return r
}

// config is DefaultConfig for command.
func config(command string) Config {
	c := DefaultConfig()
	c.Command = command
	return c
}

func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	return testkit.Poll(t, path+" to be complete", testkit.Guard, 10*time.Millisecond, func() ([]byte, bool) {
		b, err := os.ReadFile(path)
		return b, err == nil && strings.HasSuffix(string(b), "END\n")
	})
}

// TestEnvAndStdin: the command gets the finding in its environment and
// the record as one JSON line on stdin.
func TestEnvAndStdin(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	tr, err := New(config(`env | grep ^NETDX_ | sort > ` + out + `.tmp; cat >> ` + out + `.tmp; echo END >> ` + out + `.tmp; mv ` + out + `.tmp ` + out))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Write(finding(record.KindCleared)); err != nil {
		t.Fatal(err)
	}
	if err := tr.Write(record.Record{Kind: record.KindNotice, Notice: &record.Notice{}}); err != nil {
		t.Fatal(err)
	}
	b := string(waitFile(t, out))
	tr.Close()
	for _, want := range []string{"NETDX_EVENT=cleared", "NETDX_KIND=path_loss", "NETDX_SEVERITY=warning", "NETDX_TARGET=198.18.3.2",
		`NETDX_SUMMARY=12% loss; it's "bad"`, "NETDX_HOST=h1", "NETDX_TIME=2025-03-01T02:03:04Z", "NETDX_SINCE=2025-03-01T02:02:04Z"} {
		if !strings.Contains(b, want+"\n") {
			t.Errorf("no %q in\n%s", want, b)
		}
	}
	lines := strings.Split(strings.TrimSpace(b), "\n")
	var r record.Record
	if err := json.Unmarshal([]byte(lines[len(lines)-2]), &r); err != nil || r.Kind != record.KindCleared || r.Finding.Kind != "path_loss" {
		t.Errorf("stdin was not the record: %v %+v", err, r)
	}
	if s := tr.Stats(); s.Started != 1 || s.Failed != 0 {
		t.Errorf("stats %+v: the notice must not start the command", s)
	}
}

// TestBoundedNeverBlocks: with every slot taken by a command that hangs,
// Write returns at once and drops; the hung command is killed, with its
// children, at the timeout.
func TestBoundedNeverBlocks(t *testing.T) {
	dir := t.TempDir()
	started := filepath.Join(dir, "started")
	cfg := config(`echo END > ` + started + `; sleep 600 & wait`)
	cfg.Concurrency, cfg.Timeout = 1, 300*time.Millisecond
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Write(finding(record.KindRaised)); err != nil {
		t.Fatal(err)
	}
	waitFile(t, started)
	if err := tr.Write(finding(record.KindRaised)); err == nil {
		t.Fatal("a second finding with the only slot busy was not dropped")
	}
	tr.Close() // returns once the hung command was killed
	s := tr.Stats()
	if s.Started != 1 || s.Dropped != 1 || s.TimedOut != 1 || tr.Dropped() != 1 {
		t.Errorf("stats %+v", s)
	}
	if err := tr.Write(finding(record.KindRaised)); err == nil {
		t.Error("Write after Close")
	}
}

func TestFailedCommand(t *testing.T) {
	tr, err := New(config("exit 3"))
	if err != nil {
		t.Fatal(err)
	}
	tr.Write(finding(record.KindRaised))
	tr.Close()
	if s := tr.Stats(); s.Failed != 1 {
		t.Errorf("stats %+v", s)
	}
}

// TestValidate: a field out of its bounds is named with the value given
// and its bounds.
func TestValidate(t *testing.T) {
	for _, c := range []struct {
		field  string
		value  any
		reason string
		set    func(*Config)
	}{
		{"Command", "", "want a command", func(c *Config) { c.Command = "" }},
		{"Concurrency", 0, "want 1..1024 commands at once", func(c *Config) { c.Concurrency = 0 }},
		{"Concurrency", 2000, "want 1..1024 commands at once", func(c *Config) { c.Concurrency = 2000 }},
		{"Timeout", time.Duration(0), "want a positive time", func(c *Config) { c.Timeout = 0 }},
		{"Shell", "", "want a shell", func(c *Config) { c.Shell = "" }},
	} {
		cfg := config("true")
		c.set(&cfg)
		var ce *ConfigError
		if _, err := New(cfg); !errors.As(err, &ce) || !errors.Is(err, ErrConfig) || ce.Field != c.field || ce.Value != c.value || ce.Reason != c.reason {
			t.Errorf("%s %v: %v", c.field, c.value, err)
		}
	}
}
