package journal

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The child side of TestJournalKill9: NETDX_JOURNAL_CHILD=PATH,RUN,MODE.
// It opens the journal at PATH, says on stdout how many repairs the open
// made, then writes records of RUN until it is killed. MODE "stream" writes
// small records with a big one every 50; MODE "big" writes 20 small ones,
// syncs, prints "big OFFSET" and writes one 48 MiB record.
func TestJournalChild(t *testing.T) {
	spec := os.Getenv("NETDX_JOURNAL_CHILD")
	if spec == "" {
		t.Skip("the child of TestJournalKill9")
	}
	parts := strings.Split(spec, ",")
	path, run, mode := parts[0], parts[1], parts[2]
	cfg := config(path)
	cfg.MaxSize, cfg.MaxRecord, cfg.BacklogBytes, cfg.Flush, cfg.Logger = NeverRotate, 64<<20, 64<<20, 10*time.Millisecond, (&logBuf{}).Logger()
	j, err := Open(cfg)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Printf("open %d\n", j.Stats().Repairs)
	bigRec := func(i int) error {
		r := rec(run, i)
		r.Notice.Message = strings.Repeat("x", 48<<20)
		return j.Write(r)
	}
	if mode == "big" {
		for i := range 20 {
			j.Write(rec(run, i))
		}
		if err := j.Sync(); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		st, _ := os.Stat(path)
		fmt.Printf("big %d\n", st.Size())
		bigRec(20)
		j.Sync()
		fmt.Println("done")
		select {}
	}
	for i := 0; ; i++ {
		var err error
		if i%50 == 49 {
			err = bigRec(i)
			j.Sync()
		} else {
			err = j.Write(rec(run, i))
		}
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		if i == 10 {
			fmt.Println("writing")
		}
	}
}

// child starts the child writer on path and returns it with its stdout.
func child(t *testing.T, path, run, mode string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestJournalChild$")
	cmd.Env = append(os.Environ(), "NETDX_JOURNAL_CHILD="+path+","+run+","+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewScanner(out)
}

// expect reads the child's next line, which must start with word.
func expect(t *testing.T, sc *bufio.Scanner, word string) string {
	t.Helper()
	if !sc.Scan() {
		t.Fatalf("child ended before saying %q: %v", word, sc.Err())
	}
	rest, ok := strings.CutPrefix(sc.Text(), word)
	if !ok {
		t.Fatalf("child said %q, want %q", sc.Text(), word)
	}
	return strings.TrimSpace(rest)
}

func kill9(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

// TestJournalKill9: children writing to the same journal are killed with
// SIGKILL, at random moments and in the middle of a 48 MiB write; each
// restart on the file leaves every line a whole record, each run's records
// a gap-free prefix of what it wrote, and a torn write cut and logged.
func TestJournalKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	path := filepath.Join(t.TempDir(), "j.jsonl")
	var runs []string

	// A write killed half way: the next open must cut it.
	torn := 0
	for try := 0; try < 5 && torn == 0; try++ {
		run := "big" + strconv.Itoa(try)
		cmd, sc := child(t, path, run, "big")
		expect(t, sc, "open")
		off, _ := strconv.ParseInt(expect(t, sc, "big"), 10, 64)
		// Kill while the file grows through the record.
		waitFor(t, "the big record's first bytes", func() bool {
			st, err := os.Stat(path)
			return err == nil && st.Size() > off
		})
		kill9(t, cmd)
		runs = append(runs, run)
		cmd, sc = child(t, path, "check"+strconv.Itoa(try), "big")
		repairs := expect(t, sc, "open")
		kill9(t, cmd)
		runs = append(runs, "check"+strconv.Itoa(try))
		if repairs == "1" {
			torn++
		}
		got := seqs(readJournal(t, path), run)
		if len(got) < 20 || !slices.Equal(got[:20], seqsUpTo(20)) {
			t.Fatalf("run %s kept %v, want its 20 synced records first", run, got)
		}
	}
	if torn == 0 {
		t.Fatal("no kill landed inside the 48 MiB write in 5 tries: the open never had to cut a torn line")
	}

	// Kills at random moments of a stream of writes.
	repairs := 0
	for i := range 15 {
		run := "stream" + strconv.Itoa(i)
		cmd, sc := child(t, path, run, "stream")
		n, _ := strconv.Atoi(expect(t, sc, "open"))
		repairs += n
		expect(t, sc, "writing")
		time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
		kill9(t, cmd)
		runs = append(runs, run)
	}
	cfg := config(path)
	cfg.MaxSize, cfg.MaxRecord, cfg.BacklogBytes, cfg.Logger = NeverRotate, 64<<20, 64<<20, (&logBuf{}).Logger()
	j, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	repairs += int(j.Stats().Repairs)
	j.Close()
	rs := readJournal(t, path)
	for _, run := range runs {
		got := seqs(rs, run)
		if !slices.Equal(got, seqsUpTo(len(got))) {
			t.Errorf("run %s: records %v…, want 0…%d without gaps", run, got[:min(len(got), 20)], len(got)-1)
		}
	}
	t.Logf("%d lines after %d kills; %d torn writes cut on open (%d in the middle of a big record)", len(rs), len(runs), repairs+torn, torn)
}

func seqsUpTo(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
