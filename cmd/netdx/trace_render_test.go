package main

import (
	"bytes"
	"testing"

	"netdx/dialect/mtr"
	"netdx/trace/tracetest"
)

// TestTraceJSONGolden: trace's JSON document and --report's (netdx's
// report with mtr's document under "report").
func TestTraceJSONGolden(t *testing.T) {
	var b bytes.Buffer
	if err := writeJSON(&b, tracetest.Sample()); err != nil {
		t.Fatal(err)
	}
	goldenAt(t, "trace", "json.golden", b.String())
	b.Reset()
	rep := tracetest.SampleReport()
	if err := writeJSON(&b, reportDoc{rep, mtr.NewJSON(rep, "vm", 60)}); err != nil {
		t.Fatal(err)
	}
	goldenAt(t, "trace", "report-json.golden", b.String())
}
