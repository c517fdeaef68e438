package metrics

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"netdx/check"
	"netdx/diagnose"
	"netdx/probe"
	"netdx/trace"
)

// metricsDoc is where the metrics are written down.
const metricsDoc = "../../docs/metrics.md"

// docMetric is a row of a table in docs/metrics.md.
type docMetric struct {
	typ    string
	labels []string
	line   int
}

var docName = regexp.MustCompile("`([^`]+)`")

// parseMetricsDoc reads the rows of the tables whose header starts with
// "| metric |".
func parseMetricsDoc(t *testing.T) map[string]docMetric {
	t.Helper()
	b, err := os.ReadFile(metricsDoc)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]docMetric{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "| metric |"):
			in = true
		case in && strings.HasPrefix(line, "|---"):
		case in && strings.HasPrefix(line, "|"):
			cells := strings.Split(strings.Trim(line, "|"), "|")
			if len(cells) != 4 {
				t.Fatalf("%s:%d: want 4 cells: %s", metricsDoc, n, line)
			}
			name := docName.FindStringSubmatch(cells[0])
			if name == nil {
				t.Fatalf("%s:%d: the metric is not in backquotes", metricsDoc, n)
			}
			m := docMetric{typ: strings.TrimSpace(cells[1]), line: n}
			for _, l := range docName.FindAllStringSubmatch(cells[2], -1) {
				m.labels = append(m.labels, l[1])
			}
			if _, dup := out[name[1]]; dup {
				t.Errorf("%s:%d: %s documented twice", metricsDoc, n, name[1])
			}
			out[name[1]] = m
		default:
			in = false
		}
	}
	return out
}

// servedMetric is a family an endpoint serves: its type and label names.
type servedMetric struct {
	typ    string
	labels []string
}

// servedMetrics reads a text exposition's netdx_ and probe_ families.
func servedMetrics(t *testing.T, page []byte, into map[string]servedMetric) {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	for name, mf := range fams {
		if !strings.HasPrefix(name, "netdx_") && !strings.HasPrefix(name, "probe_") {
			continue
		}
		s := servedMetric{typ: strings.ToLower(mf.GetType().String())}
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				if !slices.Contains(s.labels, l.GetName()) {
					s.labels = append(s.labels, l.GetName())
				}
			}
		}
		into[name] = s
	}
}

// TestMetricsDocumented holds docs/metrics.md to the endpoints: every
// netdx_ and probe_ family served is documented with its type and labels,
// and every documented family is served.
func TestMetricsDocumented(t *testing.T) {
	doc := parseMetricsDoc(t)
	served := map[string]servedMetric{}
	// /metrics, from a status that has something of everything.
	pc := DefaultProbeConfig()
	pc.Resolve = func(context.Context, string) (netip.Addr, error) { return netip.Addr{}, errors.New("cannot resolve") }
	srv := httptest.NewServer(Handler(Config{Exporter: exporter(), Probe: pc, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	_, page := get(t, srv.URL+"/metrics")
	servedMetrics(t, page, served)
	// /probe: a target that does not resolve gives the families every
	// probe has; a module's result, with an echo stream, a path and a
	// diagnosis, gives the rest.
	_, page = get(t, srv.URL+"/probe?target=nowhere.invalid")
	servedMetrics(t, page, served)
	reg := prometheus.NewRegistry()
	hop := trace.ReportHop{TTL: 1, Addrs: []netip.Addr{netip.MustParseAddr("198.18.1.2")}, Sent: 3, Received: 3, Best: time.Millisecond}
	probeMetrics(reg, check.ProbeResult{
		Echo:      &check.ProbeEcho{Sent: 5, Received: 4, RTT: &probe.RTTStats{Min: 1, Avg: 2, Max: 3, P50: 2, P95: 3}},
		Path:      &trace.Report{Reached: true, TargetTTL: 1, Rounds: 3, Hops: []trace.ReportHop{hop}},
		Diagnosis: &diagnose.Report{Status: diagnose.StatusOK},
	})
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/probe", nil))
	servedMetrics(t, rec.Body.Bytes(), served)
	for name, s := range served {
		d, ok := doc[name]
		if !ok {
			t.Errorf("%s is served but not documented in %s", name, metricsDoc)
			continue
		}
		slices.Sort(s.labels)
		slices.Sort(d.labels)
		if d.typ != s.typ || !slices.Equal(d.labels, s.labels) {
			t.Errorf("%s:%d: %s is a %s with labels %v; the code serves a %s with %v", metricsDoc, d.line, name, d.typ, d.labels, s.typ, s.labels)
		}
	}
	for name, d := range doc {
		if _, ok := served[name]; !ok {
			t.Errorf("%s:%d: %s is documented but not served", metricsDoc, d.line, name)
		}
	}
}
