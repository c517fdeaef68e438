package rfc5424_test

import (
	"fmt"
	"time"

	"netdx/diagnose"
	"netdx/watch/record"
	"netdx/watch/rfc5424"
)

func ExampleFormat() {
	r := record.Record{Time: time.Date(2025, 3, 1, 2, 3, 4, 0, time.UTC), Host: "h1", Kind: record.KindRaised,
		Finding: &diagnose.Finding{Kind: "sniffer", Severity: diagnose.Critical, Subject: diagnose.Subject{Interface: "eth0", PID: 4778, Process: "tcpdump"},
			Summary: "tcpdump[4778] captures eth0 in promiscuous mode"}}
	msg, _ := rfc5424.Format(r, rfc5424.Header{Facility: 3, AppName: "netdx", PID: 99}, 1, 2048)
	fmt.Println(string(msg))
	// Output:
	// <26>1 2025-03-01T02:03:04.000000Z h1 netdx 99 raised [meta sequenceId="1"][netdx@32473 kind="sniffer" severity="critical" interface="eth0" pid="4778" process="tcpdump"] tcpdump[4778] captures eth0 in promiscuous mode
}
