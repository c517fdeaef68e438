package record

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"netdx/diagnose"
)

var update = flag.Bool("update", false, "rewrite testdata/records.jsonl")

// Examples returns one record of each kind, as a watch would make them.
func examples() []Record {
	t0 := time.Date(2025, 3, 1, 2, 3, 4, 5006000, time.UTC)
	persists := true
	f := &diagnose.Finding{Kind: diagnose.KindPathLoss, Severity: diagnose.Warning,
		Summary: "12.0% loss from hop 2 (198.18.2.2) on, kept to the target", Subject: diagnose.Subject{Target: "198.18.3.2", Hop: 2, Addr: "198.18.2.2"},
		Persists: &persists, Evidence: map[string]any{"loss_pct": 12.0, "sent": 100.0}}
	return []Record{
		{Time: t0, Host: "h1", Kind: KindRound, Round: &Round{Seq: 7, Targets: []TargetRound{
			{Target: "198.18.3.2", Addr: "198.18.3.2", Sent: 10, Received: 9, LossPct: 10,
				RTT: &RTT{Min: 1.5, Avg: 2, Max: 3, Mdev: 0.4, P50: 2, P95: 3, Jitter: 0.2}},
			{Target: "gone.example", Sent: 0, Error: "no address"},
		}}},
		{Time: t0, Host: "h1", Kind: KindRaised, Finding: f},
		{Time: t0.Add(time.Minute), Host: "h1", Kind: KindCleared, Finding: f, Since: t0},
		{Time: t0, Host: "h1", Kind: KindAudit, Audit: &Audit{Event: EventConnection, Proto: "tcp",
			Local: "198.18.0.2:23", Remote: "198.18.0.1:40000", PID: 42, Process: "ncat", Cleartext: "telnet",
			Alternative: "ssh on 22 (or telnets on 992)", Closed: true}},
		{Time: t0, Host: "h1", Kind: KindAudit, Audit: &Audit{Event: EventListener, Proto: "tcp", Local: "[::]:992", PID: 7, Process: "stunnel"}},
		{Time: t0, Host: "h1", Kind: KindSnapshot, Snapshot: &Snapshot{Target: "198.18.3.2", Reason: "loss 12% > 0.1%",
			Trace: json.RawMessage(`{"target":"198.18.3.2","hops":[]}`), Sockets: json.RawMessage(`{"sockets":[]}`)}},
		{Time: t0, Host: "h1", Kind: KindNotice, Notice: &Notice{Source: "journal", Event: "repaired", Message: "cut a torn tail", Count: 17}},
	}
}

// TestGoldenJSON pins the journal's line format: one record of each kind.
func TestGoldenJSON(t *testing.T) {
	var b bytes.Buffer
	for _, r := range examples() {
		if err := r.Check(); err != nil {
			t.Fatal(err)
		}
		line, err := r.Line()
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
	}
	if *update {
		if err := os.WriteFile("testdata/records.jsonl", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/records.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("records changed (go test -update if on purpose):\n%s\nwant\n%s", b.Bytes(), want)
	}
}

// TestRoundTrip: a line read back is the record written.
func TestRoundTrip(t *testing.T) {
	for _, r := range examples() {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back Record
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatal(err)
		}
		again, _ := json.Marshal(back)
		if !bytes.Equal(line, again) || back.Kind != r.Kind || !back.Time.Equal(r.Time) {
			t.Errorf("%s: %s came back as %s", r.Kind, line, again)
		}
		if !back.Since.Equal(r.Since) {
			t.Errorf("since %v came back as %v", r.Since, back.Since)
		}
	}
}

func TestCheck(t *testing.T) {
	bad := []Record{
		{Kind: "weird", Notice: &Notice{}},
		{Kind: KindAudit},
		{Kind: KindRaised, Audit: &Audit{}},
		{Kind: KindAudit, Audit: &Audit{}, Notice: &Notice{}},
	}
	for _, r := range bad {
		if r.Check() == nil {
			t.Errorf("%+v passed", r)
		}
	}
	if len(Kinds()) != 6 {
		t.Errorf("kinds %v", Kinds())
	}
	if _, err := (Record{Kind: KindAudit}).Line(); err == nil {
		t.Error("Line wrote a record without its payload")
	}
}

// TestLine: one line, no HTML escaping, and a newline inside a string
// stays escaped.
func TestLine(t *testing.T) {
	r := Record{Kind: KindNotice, Notice: &Notice{Source: "journal", Event: "x", Message: "a < b\nc"}}
	line, err := r.Line()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' || !bytes.Contains(line, []byte(`"a < b\nc"`)) {
		t.Errorf("line %q", line)
	}
}
