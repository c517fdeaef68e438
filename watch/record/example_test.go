package record_test

import (
	"fmt"
	"time"

	"netdx/watch/record"
)

func ExampleRecord_Line() {
	r := record.Record{Time: time.Date(2025, 3, 1, 2, 3, 4, 0, time.UTC), Host: "h1", Kind: record.KindAudit,
		Audit: &record.Audit{Event: record.EventConnection, Proto: "tcp", Local: "198.18.0.2:23", Remote: "198.18.0.1:40000",
			PID: 42, Process: "ncat", Cleartext: "telnet", Closed: true}}
	line, _ := r.Line()
	fmt.Print(string(line))
	// Output:
	// {"time":"2025-03-01T02:03:04Z","host":"h1","kind":"audit","audit":{"event":"connection","proto":"tcp","local":"198.18.0.2:23","remote":"198.18.0.1:40000","pid":42,"process":"ncat","uid":0,"cleartext":"telnet","closed":true}}
}
