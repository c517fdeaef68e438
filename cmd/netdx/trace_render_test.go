package main

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"netdx/trace"
)

// sampleTrace has what a trace line can show: names, a silent hop, MPLS,
// rate-limited probes at the target and an unreachable mark.
func sampleTrace() trace.Result {
	a := netip.MustParseAddr
	ans := func(addr string, ms float64, typ, code int) trace.Probe {
		return trace.Probe{Addr: a(addr), RTT: time.Duration(ms * float64(time.Millisecond)), ICMPType: typ, ICMPCode: code, ReplyTTL: 63}
	}
	lost := trace.Probe{Timeout: true, ICMPType: -1, ICMPCode: -1}
	mpls := ans("198.18.3.2", 80.412, 11, 0)
	mpls.Extensions = &trace.Extensions{MPLS: []trace.MPLSLabel{{Label: 24001, TC: 0, S: true, TTL: 1}}}
	unreach := ans("198.18.3.2", 80.9, 3, 1)
	unreach.Annotation = "!H"
	return trace.Result{
		Target: "dst.lab", Addr: a("198.18.4.2"), Protocol: trace.UDP, EndReason: trace.EndUnreachable, Sent: 13,
		Hops: []trace.Hop{
			{TTL: 1, Probes: []trace.Probe{ans("198.18.1.2", 0.054, 11, 0), ans("198.18.1.2", 0.021, 11, 0), ans("198.18.1.2", 0.019, 11, 0)}},
			{TTL: 2, Probes: []trace.Probe{lost, lost, lost}},
			{TTL: 3, Probes: []trace.Probe{mpls, ans("198.18.3.2", 80.398, 11, 0), {RateLimited: true, ICMPType: -1, ICMPCode: -1, Attempts: 3}}},
			{TTL: 4, Probes: []trace.Probe{unreach, lost, unreach}},
		},
	}
}

func TestRenderTraceGolden(t *testing.T) {
	res := sampleTrace()
	var b bytes.Buffer
	r := &traceRenderer{w: &b, numeric: true}
	cfg := trace.DefaultConfig()
	cfg.Protocol = res.Protocol
	r.header(res.Target, res.Addr, cfg)
	r.start()
	for _, h := range res.Hops {
		r.hop(h)
	}
	r.footer(res)
	b.WriteString("-- with -v:\n")
	r = &traceRenderer{w: &b, numeric: true, verbose: true}
	r.start()
	r.hop(res.Hops[2])
	r.close()
	goldenAt(t, "trace", "text.golden", b.String())

	b.Reset()
	if err := writeJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	goldenAt(t, "trace", "json.golden", b.String())
}

func TestRenderReportGolden(t *testing.T) {
	res := sampleTrace()
	res.Hops[3].Probes[1] = res.Hops[3].Probes[0]
	rep := trace.Summarize([]trace.Result{res, res})
	rep.Target = "dst.lab"
	var b bytes.Buffer
	start := time.Date(2026, 11, 26, 11, 54, 8, 0, time.UTC)
	(&traceRenderer{w: &b, numeric: true, layout: reportLayout{Start: start, Local: "vm"}}).report(rep)
	b.WriteString("-- a long local name, cut as mtr cuts it:\n")
	(&traceRenderer{w: &b, numeric: true, layout: reportLayout{Start: start, Local: "a-host-name-longer-than-the-column.example"}}).report(rep)
	b.WriteString("-- with --wide:\n")
	(&traceRenderer{w: &b, numeric: true, layout: reportLayout{Start: start, Local: "vm", Wide: true}}).report(rep)
	goldenAt(t, "trace", "report.golden", b.String())
	b.Reset()
	if err := writeJSON(&b, newReportDoc(rep, "vm", 60)); err != nil {
		t.Fatal(err)
	}
	goldenAt(t, "trace", "report-json.golden", b.String())
}
