// Package probetest builds ping results for the tests of what renders
// them (the dialects, cmd/netdx), as the engine would have filled them.
package probetest

import (
	"time"

	"netdx/probe"
)

// Result is a target's result after sent echo requests and a reply for
// each of rtts (milliseconds): received, loss and the RTT statistics as
// probe.Ping sets them, kernel timestamps on a raw socket.
func Result(name string, sent int, rtts ...float64) probe.Result {
	var d []time.Duration
	for _, v := range rtts {
		d = append(d, time.Duration(v*float64(time.Millisecond)))
	}
	r := probe.Result{Target: name, Addr: name, Sent: sent, Received: len(rtts), RTT: probe.Summarise(d).Round(),
		ICMPErrors: []probe.ErrorCount{}, Timestamps: "kernel", Socket: "raw"}
	if len(rtts) == 0 {
		r.Timestamps = ""
	}
	r.LossPct = float64(sent-len(rtts)) * 100 / float64(sent)
	return r
}
