package journal_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"netdx/watch/backlog"
	"netdx/watch/journal"
	"netdx/watch/record"
)

func Example() {
	dir, _ := os.MkdirTemp("", "journal")
	defer os.RemoveAll(dir)
	cfg := journal.DefaultConfig()
	cfg.Path, cfg.OnFull = filepath.Join(dir, "watch.jsonl"), backlog.IgnoreNew
	j, err := journal.Open(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	j.Write(record.Record{Time: time.Date(2025, 3, 1, 2, 3, 4, 0, time.UTC), Host: "h1", Kind: record.KindAudit,
		Audit: &record.Audit{Event: record.EventListener, Proto: "tcp", Local: "0.0.0.0:23", PID: 42, Process: "inetd", Cleartext: "telnet"}})
	j.Close()
	b, _ := os.ReadFile(filepath.Join(dir, "watch.jsonl"))
	fmt.Print(string(b))
	// Output:
	// {"time":"2025-03-01T02:03:04Z","host":"h1","kind":"audit","audit":{"event":"listener","proto":"tcp","local":"0.0.0.0:23","pid":42,"process":"inetd","uid":0,"cleartext":"telnet"}}
}
