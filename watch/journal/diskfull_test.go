package journal

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"netdx/watch/backlog"
)

// TestIntegrationJournalDiskFull runs TestJournalDiskFullChild in a mount
// namespace of its own, on a 256 KiB tmpfs mounted there: a real file
// system running out of space, gone with the child.
func TestIntegrationJournalDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("NETDX_LAB_REQUIRED") != "" {
			t.Fatal("needs root to mount a tmpfs (NETDX_LAB_REQUIRED is set)")
		}
		t.Skip("needs root to mount a tmpfs in a mount namespace of its own")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare (util-linux)")
	}
	dir := t.TempDir()
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "--",
		"sh", "-c", `mount -t tmpfs -o size=256k,mode=0700 netdx-test "$1" && exec "$2" -test.run='^TestJournalDiskFullChild$' -test.v`,
		"sh", dir, os.Args[0])
	cmd.Env = append(os.Environ(), "NETDX_JOURNAL_TMPFS="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestJournalDiskFullChild") {
		t.Fatalf("child on the tmpfs: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the tmpfs leaked into the test's mount namespace: %v", entries)
	}
}

// TestJournalDiskFullChild fills the tmpfs at NETDX_JOURNAL_TMPFS with each
// final action in turn: records go to disk until ENOSPC, 30 more arrive
// for a backlog of 20, a 64 KiB ballast file is removed, and the journal
// catches up.
func TestJournalDiskFullChild(t *testing.T) {
	dir := os.Getenv("NETDX_JOURNAL_TMPFS")
	if dir == "" {
		t.Skip("the child of TestIntegrationJournalDiskFull")
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil || st.Type != 0x01021994 { // TMPFS_MAGIC
		t.Fatalf("%s is not a tmpfs: %v", dir, err)
	}
	for _, action := range []backlog.OnFull{backlog.PurgeOldest, backlog.IgnoreNew, backlog.Stop} {
		t.Run(action.String(), func(t *testing.T) { fillTmpfs(t, dir, action) })
	}
}

func fillTmpfs(t *testing.T, dir string, action backlog.OnFull) {
	path := filepath.Join(dir, "j.jsonl")
	ballast := filepath.Join(dir, "ballast")
	os.Remove(path)
	if err := os.WriteFile(ballast, make([]byte, 64<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	log := &logBuf{}
	cfg := config(path)
	cfg.Backlog, cfg.OnFull, cfg.Retry, cfg.Logger = 20, action, time.Hour, log.Logger()
	j, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	big := func(i int) error {
		r := rec("t", i)
		r.Notice.Message = strings.Repeat("z", 1000)
		return j.Write(r)
	}
	// Fill the disk: one record at a time until a write fails.
	n := 0
	for ; ; n++ {
		if err := big(n); err != nil {
			t.Fatal(err)
		}
		if err := j.Sync(); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
		if n > 1000 {
			t.Fatal("the 256 KiB tmpfs never filled")
		}
	}
	// Record n failed and waits; 30 more come.
	var refused int
	for i := n + 1; i <= n+30; i++ {
		if err := big(i); errors.Is(err, backlog.ErrStopped) {
			refused++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	if err := j.Sync(); err != nil {
		t.Fatalf("after freeing space: %v", err)
	}
	got := seqs(readJournal(t, path), "t")
	var want []int
	for i := range n {
		want = append(want, i) // all written before the disk filled
	}
	switch action {
	case backlog.PurgeOldest:
		for i := n + 11; i <= n+30; i++ {
			want = append(want, i)
		}
	default:
		for i := n; i < n+20; i++ {
			want = append(want, i)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("on disk %v\nwant %v", got, want)
	}
	s := j.Stats()
	if action == backlog.Stop && (refused != 11 || !s.Stopped) {
		t.Errorf("stop refused %d records, stats %+v", refused, s)
	}
	if !strings.Contains(log.String(), "no space left on device") {
		t.Errorf("log: %s", log.String())
	}
	t.Logf("%s: %d records filled the disk, stats %+v", action, n, s)
}
