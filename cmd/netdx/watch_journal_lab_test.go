package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/watch/record"
)

// TestIntegrationWatchJournalSetAside is issue 19's journal: three good
// lines, one corrupt ({"time":…,"kind":"rou#CORRUPT), three good lines.
// netdx watch started on it kept 3 lines and deleted the rest; now every
// readable line stays byte for byte, the corrupt one is in the file the
// notice names, and the log says so.
func TestIntegrationWatchJournalSetAside(t *testing.T) {
	bin := netdxBinary(t)
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{})
	dir := t.TempDir()
	journal := filepath.Join(dir, "watch.jsonl")
	var good [][]byte
	for i := range 6 {
		r := record.Record{Time: time.Date(2025, 3, 1, 2, 3, 4+i, 0, time.UTC), Host: "h", Kind: record.KindRound,
			Round: &record.Round{Seq: uint64(i + 1), Targets: []record.TargetRound{{Target: "t", Addr: "198.18.3.2", Sent: 1, Received: 1}}}}
		line, err := r.Line()
		if err != nil {
			t.Fatal(err)
		}
		good = append(good, line)
	}
	bad := []byte(`{"time":"2025-03-01T02:03:07Z","host":"h","kind":"rou#CORRUPT` + "\n")
	content := bytes.Join([][]byte{good[0], good[1], good[2], bad, good[3], good[4], good[5]}, nil)
	if err := os.WriteFile(journal, content, 0o640); err != nil {
		t.Fatal(err)
	}

	var stderr bytes.Buffer
	cmd := p.Src.Command(context.Background(), bin, "watch", "--no-host", "--interval", "100ms", "--journal-rounds", "100ms",
		"--path-interval", "0", "--journal", journal, p.Target4().String())
	cmd.Stderr = &stderr
	if err := p.Src.Start(cmd); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a round of the new run in the journal", func() bool {
		b, _ := os.ReadFile(journal)
		return bytes.Count(b, []byte(`"kind":"round"`)) > 6
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("netdx watch: %v\n%s", err, stderr.String())
	}

	b, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	if want := bytes.Join(good, nil); !bytes.HasPrefix(b, want) {
		t.Fatalf("the journal does not start with the six readable lines, byte for byte:\n%s", b)
	}
	recs := journalRecords(t, journal)
	var notice *record.Notice
	for _, r := range recs {
		if r.Kind == record.KindNotice && r.Notice.Event == "set_aside" {
			notice = r.Notice
		}
	}
	if notice == nil {
		t.Fatalf("no set_aside notice in the journal:\n%s", b)
	}
	aside := filepath.Join(dir, notice.File)
	if got, err := os.ReadFile(aside); err != nil || !bytes.Equal(got, bad) {
		t.Errorf("the set-aside file %s holds %q (%v), want the corrupt line", aside, got, err)
	}
	if len(notice.Regions) != 1 || notice.Regions[0].Line != 4 || notice.Regions[0].Offset != int64(len(good[0])+len(good[1])+len(good[2])) ||
		!notice.Regions[0].After.Equal(time.Date(2025, 3, 1, 2, 3, 6, 0, time.UTC)) ||
		!notice.Regions[0].Before.Equal(time.Date(2025, 3, 1, 2, 3, 7, 0, time.UTC)) {
		t.Errorf("notice %+v", notice)
	}
	if log := stderr.String(); !strings.Contains(log, "unreadable lines set aside") || !strings.Contains(log, "aside="+aside) ||
		!strings.Contains(log, "kept_lines=6") || strings.Contains(log, "torn tail cut") {
		t.Errorf("netdx watch's log:\n%s", log)
	}
}
