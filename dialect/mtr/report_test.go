package mtr

import (
	"bytes"
	"flag"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"netdx/internal/testkit"
	"netdx/trace/tracetest"
)

var update = flag.Bool("update", false, "write the golden files again")

// The reference layout is mtr 0.95's on Debian 12; cmd/netdx's lab tests
// compare with mtr itself.

func TestReportGolden(t *testing.T) {
	rep := tracetest.SampleReport()
	host := netip.Addr.String
	var b bytes.Buffer
	start := time.Date(2026, 11, 26, 11, 54, 8, 0, time.UTC)
	Report(&b, rep, Layout{Start: start, Local: "vm"}, host)
	b.WriteString("-- a long local name, cut as mtr cuts it:\n")
	Report(&b, rep, Layout{Start: start, Local: "a-host-name-longer-than-the-column.example"}, host)
	b.WriteString("-- with --wide:\n")
	Report(&b, rep, Layout{Start: start, Local: "vm", Wide: true}, host)
	testkit.Golden(t, filepath.Join("testdata", "report.golden"), b.String(), *update)
}

func TestSampleStDev(t *testing.T) {
	ms := time.Millisecond
	// mtr -j printed StDev 0.004 for 0.065 and 0.071 ms.
	if got := sampleStDev([]time.Duration{65 * time.Microsecond, 71 * time.Microsecond}); got.Round(time.Microsecond) != 4*time.Microsecond {
		t.Errorf("sample stdev %v, want 4µs", got)
	}
	if sampleStDev([]time.Duration{ms}) != 0 || sampleStDev(nil) != 0 {
		t.Error("stdev of fewer than two values is 0")
	}
}
