package metrics

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"netdx/check"
	"netdx/diagnose"
	"netdx/icmpmsg"
	"netdx/internal/testkit"
	"netdx/link"
	"netdx/sockets"
	"netdx/trace"
	"netdx/watch"
	"netdx/watch/audit"
)

type fixed watch.Status

func (f fixed) Status() watch.Status { return watch.Status(f) }

func status() watch.Status {
	t0 := time.Date(2025, 3, 1, 2, 3, 4, 0, time.UTC)
	buckets := make([]uint64, len(check.DefaultEchoConfig().Buckets)+1)
	buckets[9] = 3  // ≤ 25.6 ms
	buckets[10] = 1 // ≤ 51.2 ms
	var invalid icmpmsg.Counts
	invalid.Add(icmpmsg.WrongToken, 3)
	invalid.Add(icmpmsg.ContradictedError, 2)
	return watch.Status{
		Evaluations: 7, Time: t0, Overall: diagnose.StatusWarning, Host: true,
		Targets: []watch.TargetStatus{{Target: "dst", Addr: "198.18.3.2", Window: 5, Received: 4, LossPct: 20,
			Totals:  check.EchoTotals{Sent: 10, Received: 4, Errors: 1, RTTSum: 100 * time.Millisecond, Buckets: buckets, Invalid: invalid},
			Buckets: check.DefaultEchoConfig().Buckets,
			Path:    &trace.Report{Reached: true, TargetTTL: 3}, PathTime: t0, PathInvalid: map[string]int{"wrong_source": 4}}},
		Links: []link.Link{{Name: "eth0", Up: true, Carrier: true, Promiscuity: 1,
			Stats: link.Stats{RxErrors: 2, TxDropped: 5}, Rates: &link.Rates{RxErrorRatio: 0.01, TxDropRatio: 0.5}}},
		TCP:          link.TCP{OutSegs: 1000, RetransSegs: 30, Interval: &link.TCPInterval{RetransRatio: 0.03}},
		Raised:       []diagnose.Finding{{Kind: diagnose.KindPathLoss, Severity: diagnose.Warning, Subject: diagnose.Subject{Target: "dst"}}},
		RaisedTotal:  map[watch.FindingClass]uint64{{Kind: diagnose.KindPathLoss, Severity: diagnose.Warning}: 2},
		ClearedTotal: map[watch.FindingClass]uint64{{Kind: diagnose.KindPathLoss, Severity: diagnose.Warning}: 1},
		Sinks:        []watch.SinkStats{{Written: 12, Failed: 1}},
	}
}

func exporter() *Exporter {
	return NewExporter(fixed(status()), []Sink{{Name: "journal", Dropped: func() uint64 { return 4 }}},
		func() audit.Stats {
			return audit.Stats{Listeners: 2, Connections: 3, Closed: 1, Feed: true, Tracked: 9}
		})
}

// gathered is an exporter read as a plain Gatherer, through
// client_golang's merging of gatherers, which checks each family for
// consistency (label names sorted, no duplicate series, types that match
// the values): what a Registry would refuse to expose.
func gathered(e *Exporter) prometheus.Gatherer {
	return prometheus.Gatherers{e}
}

// TestExporterValues pins names, labels and values a user's queries and
// alerts read.
func TestExporterValues(t *testing.T) {
	c := gathered(exporter())
	want := `
# HELP netdx_echo_loss_ratio Share of the echo requests in the rules' window that were lost.
# TYPE netdx_echo_loss_ratio gauge
netdx_echo_loss_ratio{target="dst"} 0.2
# HELP netdx_echo_requests_total Echo requests decided (answered or lost).
# TYPE netdx_echo_requests_total counter
netdx_echo_requests_total{target="dst"} 10
# HELP netdx_path_hops Hops to the target in the last path rounds (the last answering hop when not reached).
# TYPE netdx_path_hops gauge
netdx_path_hops{target="dst"} 3
# HELP netdx_target_info A watched target and the address it resolved to (1).
# TYPE netdx_target_info gauge
netdx_target_info{addr="198.18.3.2",target="dst"} 1
# HELP netdx_interface_drop_ratio Drops per packet over the last sampled interval.
# TYPE netdx_interface_drop_ratio gauge
netdx_interface_drop_ratio{direction="receive",interface="eth0"} 0
netdx_interface_drop_ratio{direction="transmit",interface="eth0"} 0.5
# HELP netdx_interface_promiscuity The kernel's promiscuity counter of the interface (tcpdump raises it without the PROMISC flag).
# TYPE netdx_interface_promiscuity gauge
netdx_interface_promiscuity{interface="eth0"} 1
# HELP netdx_tcp_retransmit_ratio Share of TCP segments retransmitted over the last sampled interval.
# TYPE netdx_tcp_retransmit_ratio gauge
netdx_tcp_retransmit_ratio 0.03
# HELP netdx_sink_records_dropped_total Records a sink dropped by its own account (full backlog, receiver away).
# TYPE netdx_sink_records_dropped_total counter
netdx_sink_records_dropped_total{sink="journal"} 4
# HELP netdx_audit_events_total Connection audit records: new listeners and inbound connections.
# TYPE netdx_audit_events_total counter
netdx_audit_events_total{event="connection"} 3
netdx_audit_events_total{event="listener"} 2
# HELP netdx_echo_invalid_total Messages for the target's echo stream that failed a check (forged replies and errors), by cause.
# TYPE netdx_echo_invalid_total counter
netdx_echo_invalid_total{cause="contradicted_error",target="dst"} 2
netdx_echo_invalid_total{cause="wrong_token",target="dst"} 3
# HELP netdx_path_invalid_total Answers to the target's path rounds' probes that failed a check, by cause.
# TYPE netdx_path_invalid_total counter
netdx_path_invalid_total{cause="wrong_source",target="dst"} 4
`
	if err := testutil.GatherAndCompare(c, strings.NewReader(want), "netdx_echo_loss_ratio", "netdx_echo_requests_total",
		"netdx_path_hops", "netdx_target_info", "netdx_interface_drop_ratio", "netdx_interface_promiscuity", "netdx_tcp_retransmit_ratio",
		"netdx_sink_records_dropped_total", "netdx_audit_events_total", "netdx_echo_invalid_total", "netdx_path_invalid_total"); err != nil {
		t.Error(err)
	}
	checkFindingSeries(t, c, map[string]float64{"path_loss/warning": 1})
	raised := `
# HELP netdx_findings_raised_total Findings raised since the watch started.
# TYPE netdx_findings_raised_total counter
`
	var b strings.Builder
	b.WriteString(raised)
	b.WriteString(`netdx_findings_raised_total{kind="path_loss",severity="warning"} 2` + "\n")
	if err := testutil.GatherAndCompare(c, strings.NewReader(b.String()), "netdx_findings_raised_total"); err != nil {
		t.Error(err)
	}
	// The histogram: cumulative buckets, count and sum in seconds.
	if err := testutil.GatherAndCompare(c, strings.NewReader(histogram()), "netdx_echo_rtt_seconds"); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.GatherAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %+v", err, problems)
	}
}

// designKinds is the vocabulary of the design (design.md, "Finding
// kinds"), written out here: the kinds users' alerts match on, each of
// which must have its series from the first scrape.
var designKinds = []string{"latency_jump", "hop_icmp_ratelimit", "path_loss", "unreachable", "target_unreachable",
	"sniffer", "promiscuous", "interface_errors", "interface_down", "interface_flapping", "retransmits",
	"cleartext_service", "unexpected_gateway", "deleted_executable", "time_wait_pileup"}

// findingSeries reads netdx_findings as "kind/severity" → value.
func findingSeries(t *testing.T, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	fams, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != "netdx_findings" {
			continue
		}
		for _, m := range f.GetMetric() {
			var kind, sev string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "kind":
					kind = l.GetValue()
				case "severity":
					sev = l.GetValue()
				}
			}
			out[kind+"/"+sev] = m.GetGauge().GetValue()
		}
	}
	return out
}

// checkFindingSeries: every kind of the design has a netdx_findings series
// per severity, 0 unless raised says otherwise, and a kind has all three
// severities or none.
func checkFindingSeries(t *testing.T, g prometheus.Gatherer, raised map[string]float64) {
	t.Helper()
	got := findingSeries(t, g)
	for _, k := range designKinds {
		for _, sev := range []string{"info", "warning", "critical"} {
			v, ok := got[k+"/"+sev]
			if !ok || v != raised[k+"/"+sev] {
				t.Errorf("netdx_findings{kind=%q,severity=%q}: %v (present %v), want %v", k, sev, v, ok, raised[k+"/"+sev])
			}
		}
	}
	if len(got)%3 != 0 {
		t.Errorf("%d findings series, not three per kind: %v", len(got), got)
	}
}

// TestExporterRuleKind: a finding the host rules make (the PROMISC flag
// with no capture using it) has its series once raised, without a list
// of kinds in this package.
func TestExporterRuleKind(t *testing.T) {
	snap := link.Snapshot{Links: []link.Link{{Name: "eth0", Up: true, Carrier: true, PromiscFlag: true, Promiscuity: 1}}}
	fs := diagnose.Host(diagnose.NewLinkEvidence(snap, sockets.Captures{}, nil), sockets.Table{}, diagnose.DefaultConfig())
	if len(fs) != 1 {
		t.Fatalf("the rules found %+v, want the promiscuous interface", fs)
	}
	st := status()
	st.Raised = fs
	got := findingSeries(t, gathered(NewExporter(fixed(st), nil, nil)))
	if k := string(fs[0].Kind) + "/" + fs[0].Severity.String(); got[k] != 1 {
		t.Errorf("raised %s: series %v", k, got)
	}
}

func histogram() string {
	var b strings.Builder
	b.WriteString("# HELP netdx_echo_rtt_seconds Round-trip time of echo replies (kernel receive timestamps).\n# TYPE netdx_echo_rtt_seconds histogram\n")
	cum := 0
	for i, le := range check.DefaultEchoConfig().Buckets {
		switch i {
		case 9:
			cum += 3
		case 10:
			cum++
		}
		b.WriteString(`netdx_echo_rtt_seconds_bucket{le="` + fmtFloat(le) + `",target="dst"} ` + itoa(cum) + "\n")
	}
	b.WriteString(`netdx_echo_rtt_seconds_bucket{le="+Inf",target="dst"} 4` + "\n")
	b.WriteString(`netdx_echo_rtt_seconds_sum{target="dst"} 0.1` + "\n")
	b.WriteString(`netdx_echo_rtt_seconds_count{target="dst"} 4` + "\n")
	return b.String()
}

// TestPromtool: the /metrics page, process and Go collectors included,
// passes the real promtool check metrics.
func TestPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("NETDX_LAB_REQUIRED") != "" {
			t.Fatal("needs promtool (apt-get install prometheus)")
		}
		t.Skip("needs promtool (apt-get install prometheus)")
	}
	srv := httptest.NewServer(Handler(Config{Exporter: exporter()}))
	defer srv.Close()
	_, body := get(t, srv.URL+"/metrics")
	for _, want := range []string{"netdx_echo_rtt_seconds_bucket", "process_resident_memory_bytes", "go_goroutines", "netdx_findings{"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("/metrics has no %s", want)
		}
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// get fetches u and returns its status and body; a request that fails
// fails the test (t.Error: callable from the test's goroutines).
func get(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	return resp.StatusCode, body
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
func itoa(n int) string         { return strconv.Itoa(n) }

// TestProbeRequests: bad /probe requests are refused with a line that says
// what to give; a target that does not resolve is a failed probe, not an
// error page.
func TestProbeRequests(t *testing.T) {
	resolve := func(ctx context.Context, name string) (netip.Addr, error) {
		return netip.Addr{}, errors.New("cannot resolve")
	}
	pc := DefaultProbeConfig()
	pc.Resolve = resolve
	var log testkit.LogBuffer
	srv := httptest.NewServer(Handler(Config{Probe: pc, Logger: log.Logger()}))
	defer srv.Close()
	for q, want := range map[string]int{"": 400, "?target=x&module=dns": 400, "?target=nowhere.invalid": 200} {
		code, body := get(t, srv.URL+"/probe"+q)
		if code != want {
			t.Errorf("/probe%s: %d, want %d: %s", q, code, want, body)
		}
		if want == 200 && !bytes.Contains(body, []byte("probe_success 0")) {
			t.Errorf("/probe%s:\n%s", q, body)
		}
	}
	if code, _ := get(t, srv.URL+"/nothing"); code != 404 {
		t.Errorf("/nothing: %d", code)
	}
	if log.Count("dropped: no target") != 1 || log.Count("dropped: unknown module") != 1 || log.Count("dropped:") != 2 {
		t.Errorf("the requests dropped are logged once each, the probe that ran not:\n%s", log.String())
	}
}

// moving is a source whose status the test changes between scrapes.
type moving struct {
	mu sync.Mutex
	s  watch.Status
}

func (m *moving) Status() watch.Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.s
	s.Targets = slices.Clone(s.Targets)
	return s
}

func (m *moving) set(f func(*watch.Status)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(&m.s)
}

// TestExporterFollowsStatus: each scrape shows that moment's values,
// series come and go with the evidence, and a new set of targets replaces
// the old one.
func TestExporterFollowsStatus(t *testing.T) {
	src := &moving{s: status()}
	two := src.s.Targets[0]
	two.Target, two.Addr, two.Window, two.Path, two.PathTime = "b-second", "198.18.3.9", 0, nil, time.Time{}
	src.s.Targets = append(src.s.Targets, two)
	e := NewExporter(src, nil, nil)
	g := gathered(e)
	want := func(text string, names ...string) {
		t.Helper()
		if err := testutil.GatherAndCompare(g, strings.NewReader(text), names...); err != nil {
			t.Error(err)
		}
	}
	const reqHelp = "# HELP netdx_echo_requests_total Echo requests decided (answered or lost).\n# TYPE netdx_echo_requests_total counter\n"
	const lossHelp = "# HELP netdx_echo_loss_ratio Share of the echo requests in the rules' window that were lost.\n# TYPE netdx_echo_loss_ratio gauge\n"
	want(reqHelp+"netdx_echo_requests_total{target=\"b-second\"} 10\nnetdx_echo_requests_total{target=\"dst\"} 10\n", "netdx_echo_requests_total")
	want(lossHelp+"netdx_echo_loss_ratio{target=\"dst\"} 0.2\n", "netdx_echo_loss_ratio")

	src.set(func(s *watch.Status) {
		s.Targets[0].Totals.Sent, s.Targets[0].Window, s.Targets[0].LossPct = 25, 0, 0
		s.Targets[1].Totals.Sent, s.Targets[1].Window, s.Targets[1].LossPct = 11, 10, 50
	})
	want(reqHelp+"netdx_echo_requests_total{target=\"b-second\"} 11\nnetdx_echo_requests_total{target=\"dst\"} 25\n", "netdx_echo_requests_total")
	want(lossHelp+"netdx_echo_loss_ratio{target=\"b-second\"} 0.5\n", "netdx_echo_loss_ratio")

	src.set(func(s *watch.Status) {
		s.Targets = s.Targets[:1]
		s.Targets[0].Target = "other"
	})
	want(reqHelp+"netdx_echo_requests_total{target=\"other\"} 25\n", "netdx_echo_requests_total")
	if n, err := testutil.GatherAndCount(g, "netdx_echo_rtt_seconds"); err != nil || n != 1 {
		t.Errorf("%d histograms (%v), want 1", n, err)
	}
}

// TestExporterConcurrentScrapes: scrapes at once each get a whole,
// consistent page while the status moves; they share nothing (run with
// -race).
func TestExporterConcurrentScrapes(t *testing.T) {
	src := &moving{s: manyTargets(254)}
	srv := httptest.NewServer(Handler(Config{Exporter: NewExporter(src, nil, nil)}))
	defer srv.Close()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 5 {
				src.set(func(s *watch.Status) { s.Targets[0].Totals.Sent = uint64(100*w + i) })
				_, body := get(t, srv.URL+"/metrics")
				if n := bytes.Count(body, []byte("netdx_echo_requests_total{")); n != 254 {
					t.Errorf("%d request series in one page", n)
				}
			}
		})
	}
	wg.Wait()
}

// TestProbeAllow: with Allow set, /probe answers 403 for a target outside
// it (after resolution: a name counts by its address) and runs nothing.
func TestProbeAllow(t *testing.T) {
	pc := DefaultProbeConfig()
	pc.Allow = []netip.Prefix{netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("2001:db8::1/128")}
	for a, want := range map[string]bool{"198.18.3.2": true, "198.20.0.1": false, "::ffff:198.18.0.1": true,
		"2001:db8::1": true, "2001:db8::2": false, "fe80::1%eth0": false, "10.0.0.1": false} {
		if got := pc.allowed(netip.MustParseAddr(a)); got != want {
			t.Errorf("allowed(%s) = %v, want %v", a, got, want)
		}
	}
	if !DefaultProbeConfig().allowed(netip.MustParseAddr("10.0.0.1")) {
		t.Error("no Allow: every target, as blackbox_exporter")
	}
	pc.Resolve = func(ctx context.Context, name string) (netip.Addr, error) {
		return netip.MustParseAddr("10.0.0.1"), nil
	}
	var log testkit.LogBuffer
	srv := httptest.NewServer(Handler(Config{Probe: pc, Logger: log.Logger()}))
	defer srv.Close()
	code, body := get(t, srv.URL+"/probe?target=inside.example")
	if log.Count("dropped: target outside --probe-allow") != 1 {
		t.Errorf("a 403 is logged:\n%s", log.String())
	}
	if code != http.StatusForbidden || !bytes.Contains(body, []byte("10.0.0.1")) {
		t.Errorf("/probe of a name resolving outside Allow: %d %s", code, body)
	}
}

// countingWriter counts the writes that reach the connection.
type countingWriter struct {
	*httptest.ResponseRecorder
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.ResponseRecorder.Write(p)
}

// TestPageWrites: a page of 254 targets reaches the connection in 64 KiB
// pieces, whole: a dozen writes, not the text encoder's hundreds of 4 KiB.
func TestPageWrites(t *testing.T) {
	h := Handler(Config{Exporter: NewExporter(fixed(manyTargets(254)), nil, nil)})
	w := &countingWriter{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	size := w.Body.Len()
	if n := bytes.Count(w.Body.Bytes(), []byte("netdx_echo_requests_total{")); n != 254 {
		t.Fatalf("%d request series in %d bytes", n, size)
	}
	if max := size/(64<<10) + 2; w.writes > max {
		t.Errorf("%d writes for %d bytes, want at most %d", w.writes, size, max)
	}
}
