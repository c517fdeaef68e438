package netdx

import (
	"bytes"
	"testing"

	"netdx/diagnose"
	"netdx/dialect/mtr"
	"netdx/probe"
	"netdx/probe/probetest"
	"netdx/trace/tracetest"
)

// TestPingJSONGolden: ping's JSON document (the design's contract).
func TestPingJSONGolden(t *testing.T) {
	lost := probetest.Result("198.18.100.7", 3)
	lost.ICMPErrors = []probe.ErrorCount{{Type: 3, Code: 1, Name: "Destination Host Unreachable", From: "198.18.1.2", Count: 3}}
	var b bytes.Buffer
	doc := PingJSON{Status: diagnose.StatusCritical, Targets: []probe.Result{probetest.Result("198.18.100.1", 3, 0.05, 0.04, 0.06), lost}}
	if err := WriteJSON(&b, doc); err != nil {
		t.Fatal(err)
	}
	goldenAt(t, "ping", "json.golden", b.String())
}

// TestTraceJSONGolden: trace's JSON document and --report's (netdx's
// report with mtr's document under "report").
func TestTraceJSONGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, tracetest.Sample()); err != nil {
		t.Fatal(err)
	}
	goldenAt(t, "trace", "json.golden", b.String())
	b.Reset()
	rep := tracetest.SampleReport()
	if err := WriteJSON(&b, TraceReportJSON{Report: rep, MTR: mtr.NewJSON(rep, "vm", 60)}); err != nil {
		t.Fatal(err)
	}
	goldenAt(t, "trace", "report-json.golden", b.String())
}
