package rfc5424

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"netdx/diagnose"
	"netdx/watch/record"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt")

var t0 = time.Date(2025, 3, 1, 2, 3, 4, 5006000, time.UTC)

var hdr = Header{Facility: 3, Hostname: "fallback", AppName: "netdx", PID: 4242}

func examples() []record.Record {
	persists := true
	loss := &diagnose.Finding{Kind: diagnose.KindPathLoss, Severity: diagnose.Warning,
		Summary: "12.0% loss from hop 2 (198.18.2.2) on, kept to the target", Subject: diagnose.Subject{Target: "198.18.3.2", Hop: 2,
			Addr: "198.18.2.2"}, Persists: &persists,
		Evidence: map[string]any{"loss_pct": 12.0, "sent": 100.0, "ci_pct": []any{8.1, 16.4}, "note": `a "quoted" ]bracket\ and \ backslash`}}
	sniffer := &diagnose.Finding{Kind: diagnose.KindSniffer, Severity: diagnose.Critical,
		Summary: "tcpdump[4778] (user root) captures eth0 in promiscuous mode", Subject: diagnose.Subject{Interface: "eth0", PID: 4778, Process: "tcpdump"}}
	return []record.Record{
		{Time: t0, Host: "h1", Kind: record.KindRaised, Finding: loss},
		{Time: t0, Host: "h1", Kind: record.KindRaised, Finding: sniffer},
		{Time: t0.Add(time.Minute), Host: "h1", Kind: record.KindCleared, Finding: loss, Since: t0},
		{Time: t0, Host: "h1", Kind: record.KindAudit, Audit: &record.Audit{Event: record.EventConnection, Proto: "tcp",
			Local: "198.18.0.2:23", Remote: "198.18.0.1:40000", PID: 42, Process: "ncat", Cleartext: "telnet",
			Alternative: "ssh on 22 (or telnets on 992)", Closed: true}},
		{Time: t0, Kind: record.KindAudit, Audit: &record.Audit{Event: record.EventListener, Proto: "tcp", Local: "[::]:992", PID: 7, Process: "stunnel", UID: 1000}},
		{Time: t0, Host: "h1", Kind: record.KindSnapshot, Snapshot: &record.Snapshot{Target: "198.18.3.2", Reason: "loss 12% > 0.1%"}},
		{Time: t0, Host: "h1", Kind: record.KindNotice, Notice: &record.Notice{Source: "journal", Event: "records_dropped", Message: "6 records dropped — disk full", Count: 6}},
		{Time: t0, Host: "h1", Kind: record.KindRound, Round: &record.Round{Seq: 9, Targets: []record.TargetRound{{Target: "a", LossPct: 0}, {Target: "b", LossPct: 25}}}},
	}
}

// TestGolden pins the messages, one line per record (none holds a
// newline).
func TestGolden(t *testing.T) {
	var b bytes.Buffer
	for i, r := range examples() {
		msg, cut := Format(r, hdr, uint32(i+1), 8192)
		if cut {
			t.Errorf("%s: truncated", r.Kind)
		}
		if bytes.ContainsAny(msg, "\r\n") {
			t.Fatalf("%q spans lines", msg)
		}
		b.Write(append(msg, '\n'))
	}
	if *update {
		if err := os.WriteFile("testdata/golden.txt", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("messages changed (go test -update if on purpose):\n%s\nwant\n%s", b.Bytes(), want)
	}
}

// TestParsesBack reads every golden message with an RFC 5424 parser and
// finds the record's fields in it.
func TestParsesBack(t *testing.T) {
	for i, r := range examples() {
		msg, _ := Format(r, hdr, uint32(i+1), 8192)
		m, err := parse(msg)
		if err != nil {
			t.Fatalf("%s: %v: %s", r.Kind, err, msg)
		}
		if m.msgid != string(r.Kind) || m.app != "netdx" || m.procid != "4242" || m.sd["meta"]["sequenceId"] != strconv.Itoa(i+1) {
			t.Errorf("%s: header %+v", r.Kind, m)
		}
		if wantHost := cmpOr(r.Host, "fallback"); m.host != wantHost {
			t.Errorf("%s: host %q, want %q", r.Kind, m.host, wantHost)
		}
		if m.ts != "2025-03-01T02:03:04.005006Z" && m.ts != "2025-03-01T02:04:04.005006Z" {
			t.Errorf("%s: timestamp %q", r.Kind, m.ts)
		}
		nd := m.sd[SDID]
		switch {
		case r.Finding != nil:
			if nd["kind"] != string(r.Finding.Kind) || nd["severity"] != r.Finding.Severity.String() || !strings.Contains(m.msg, r.Finding.Summary) {
				t.Errorf("%s: %+v", r.Kind, m)
			}
			for k, v := range r.Finding.Evidence {
				if s, ok := v.(string); ok && m.sd[SDIDEvidence][k] != s {
					t.Errorf("evidence %s: %q, want %q", k, m.sd[SDIDEvidence][k], s)
				}
			}
		case r.Audit != nil:
			if nd["local"] != r.Audit.Local || nd["event"] != r.Audit.Event || nd["cleartext"] != r.Audit.Cleartext {
				t.Errorf("%s: %+v", r.Kind, m)
			}
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestSeverities(t *testing.T) {
	want := []int{3*8 + 4, 3*8 + 2, 3*8 + 5, 3*8 + 4, 3*8 + 5, 3*8 + 5, 3*8 + 4, 3*8 + 6}
	for i, r := range examples() {
		msg, _ := Format(r, hdr, 1, 0)
		if p := fmt.Sprintf("<%d>1 ", want[i]); !bytes.HasPrefix(msg, []byte(p)) {
			t.Errorf("%s: %.10s, want %s", r.Kind, msg, p)
		}
	}
}

// TestTruncate: a message too long loses its evidence first, then the end
// of its text, and never its header or its netdx element.
func TestTruncate(t *testing.T) {
	r := examples()[0]
	full, _ := Format(r, hdr, 1, 0)
	noEv, cut := Format(r, hdr, 1, len(full)-1)
	if !cut || bytes.Contains(noEv, []byte(SDIDEvidence)) || !bytes.Contains(noEv, []byte(r.Finding.Summary)) {
		t.Errorf("one byte short: %s", noEv)
	}
	short, cut := Format(r, hdr, 1, len(noEv)-10)
	if m, err := parse(short); !cut || err != nil || len(short) > len(noEv)-10 || !strings.HasSuffix(m.msg, "...") || m.sd[SDID]["kind"] != "path_loss" {
		t.Errorf("short: %v %s", err, short)
	}
	tiny, _ := Format(r, hdr, 1, 120)
	if m, err := parse(tiny); err != nil || len(tiny) > 120 || m.sd[SDID]["truncated"] != "true" {
		t.Errorf("tiny: %v %s", err, tiny)
	}
}

// TestBOM: a text that is not ASCII starts with RFC 5424's BOM only when
// asked (rsyslog keeps it in %msg%); a message cut to size has room for
// it.
func TestBOM(t *testing.T) {
	bomText := []byte("] \xEF\xBB\xBF") // after the structured data
	r := examples()[6]                  // a notice with an em dash
	for _, bom := range []bool{false, true} {
		h := hdr
		h.BOM = bom
		full, _ := Format(r, h, 1, 0)
		if bytes.Contains(full, bomText) != bom {
			t.Errorf("BOM %v: %q", bom, full)
		}
		if msg, _ := Format(examples()[0], h, 1, 0); bytes.Contains(msg, bomText) {
			t.Errorf("BOM %v: an ASCII text got a BOM: %q", bom, msg)
		}
		cut, truncated := Format(r, h, 1, len(full)-5)
		if !truncated || len(cut) > len(full)-5 || !utf8.Valid(cut) || bytes.Contains(cut, bomText) != bom {
			t.Errorf("BOM %v, cut to %d: %q", bom, len(full)-5, cut)
		}
	}
}

// TestSnapshotMessage: a snapshot's message says where the snapshot is
// kept: the journal it names, or nowhere.
func TestSnapshotMessage(t *testing.T) {
	r := examples()[5]
	for journal, want := range map[string]string{
		"/var/log/netdx.jsonl": "(in the journal /var/log/netdx.jsonl)",
		"":                     "(not kept: the watch keeps no journal)",
	} {
		h := hdr
		h.Journal = journal
		msg, _ := Format(r, h, 1, 0)
		if !strings.HasSuffix(string(msg), want) {
			t.Errorf("journal %q: %s", journal, msg)
		}
	}
}

// TestNoticeFile: a notice that names a file (the journal's set-aside
// file) carries it in the structured data.
func TestNoticeFile(t *testing.T) {
	r := record.Record{Time: t0, Host: "h1", Kind: record.KindNotice, Notice: &record.Notice{Source: "journal", Event: "set_aside",
		Message: "set aside 72 bytes", Count: 72, File: "j.jsonl.corrupt-20250301T020304Z"}}
	msg, _ := Format(r, hdr, 1, 0)
	m, err := parse(msg)
	if err != nil || m.sd[SDID]["file"] != r.Notice.File || m.sd[SDID]["count"] != "72" {
		t.Errorf("%v: %s", err, msg)
	}
}

// FuzzFormat: whatever a finding holds, the message parses back with its
// values, fits the size, and is one line of valid UTF-8.
func FuzzFormat(f *testing.F) {
	f.Add("12% loss", "loss_pct", `a"b]c\d`, "h1", 600)
	f.Add("caf\u00e9 \u2014 ok", "k=v x", "\n\x00\xff", "", 480)
	f.Fuzz(func(t *testing.T, summary, key, value, host string, size int) {
		h := hdr
		h.BOM = size%2 == 0
		size = 480 + abs(size)%4000
		r := record.Record{Time: t0, Host: host, Kind: record.KindRaised, Finding: &diagnose.Finding{
			Kind: "path_loss", Summary: summary, Subject: diagnose.Subject{Target: value}, Evidence: map[string]any{key: value}}}
		msg, _ := Format(r, h, 7, size)
		if len(msg) > size || !utf8.Valid(msg) || bytes.ContainsAny(msg, "\r\n\x00") {
			t.Fatalf("size %d: %q", size, msg)
		}
		m, err := parse(msg)
		if err != nil {
			t.Fatalf("%v: %q", err, msg)
		}
		if m.sd["meta"]["sequenceId"] != "7" {
			t.Fatalf("meta %v", m.sd)
		}
		if v, ok := m.sd[SDID]["target"]; ok && value != "" && v != cleanValue(value) {
			t.Fatalf("target %q came back as %q", value, v)
		}
	})
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// cleanValue is what writeValue keeps of v, unescaped.
func cleanValue(v string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(v, "\uFFFD") {
		if r < 0x20 || r == 0x7f {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestParseURL(t *testing.T) {
	for in, want := range map[string]target{
		"udp://198.18.0.1:5514":     {"udp", "198.18.0.1:5514", false},
		"udp://198.18.0.1":          {"udp", "198.18.0.1:514", false},
		"tcp://[2001:db8::1]:601":   {"tcp", "[2001:db8::1]:601", true},
		"tcp://logs.example":        {"tcp", "logs.example:514", true},
		"unix:///dev/log":           {"unixgram", "/dev/log", false},
		"unix:///run/x/syslog.sock": {"unixgram", "/run/x/syslog.sock", false},
	} {
		if got, err := parseURL(in); err != nil || got != want {
			t.Errorf("%s: %+v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "syslog.example:514", "http://x", "udp://", "tcp://h:1/path", "unix://dev/log", "unix:", "udp://u@h:1",
		"udp://h:99999", "tcp://h:0", "udp://h:x"} {
		var ce *ConfigError
		if _, err := parseURL(in); !errors.As(err, &ce) || !errors.Is(err, ErrConfig) || ce.Field != "URL" || ce.Value != in {
			t.Errorf("%q: %v", in, err)
		}
	}
	if f, err := facility("local7"); err != nil || f != 23 {
		t.Errorf("local7: %d %v", f, err)
	}
	if _, err := facility("local8"); err == nil {
		t.Error("local8 accepted")
	}
}
