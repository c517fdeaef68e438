package metrics

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"netdx/check"
)

// Config configures the HTTP endpoints.
type Config struct {
	// Exporter is the watch's metrics for /metrics; nil serves the
	// watcher's own health only.
	Exporter *Exporter
	// Probe configures /probe; a nil Resolve disables it (404).
	Probe ProbeConfig
}

// Handler serves /metrics (the watch's exporter, with client_golang's
// process and Go collectors: the watcher's own health) and
// /probe?target=…&module=icmp|trace|diagnose (one check of one target,
// answered with a fresh registry, so that one Prometheus can drive many
// netdx vantage points, as blackbox_exporter does).
func Handler(cfg Config) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	var g prometheus.Gatherer = reg
	if cfg.Exporter != nil {
		g = merged{reg, cfg.Exporter}
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", buffered(promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})))
	if cfg.Probe.Resolve != nil {
		pc := cfg.Probe
		if pc.MaxConcurrent == 0 {
			pc.MaxConcurrent = 4
		}
		if pc.DefaultTimeout == 0 {
			pc.DefaultTimeout = 10 * time.Second
		}
		slots := make(chan struct{}, pc.MaxConcurrent)
		mux.HandleFunc("/probe", func(w http.ResponseWriter, r *http.Request) { pc.serve(w, r, slots) })
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><head><title>netdx watch</title></head><body><h1>netdx watch</h1>"+
			"<p><a href=\"/metrics\">/metrics</a></p><p>/probe?target=ADDRESS&amp;module=%s</p></body></html>\n",
			html.EscapeString(fmt.Sprint(Modules)))
	})
	return mux
}

// pageBuffers are the buffers of pages being written.
var pageBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

// buffered hands a page to the connection in 64 KiB pieces rather than
// the text encoder's 4 KiB ones: a page of thousands of series takes a
// dozen system calls instead of hundreds.
func buffered(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bw := pageBuffers.Get().(*bufio.Writer)
		bw.Reset(w)
		h.ServeHTTP(bufferedWriter{w, bw}, r)
		bw.Flush()
		bw.Reset(nil)
		pageBuffers.Put(bw)
	})
}

// bufferedWriter is a ResponseWriter whose body goes through buf.
type bufferedWriter struct {
	http.ResponseWriter
	buf *bufio.Writer
}

func (b bufferedWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }

// merged is the registry's families (the process and Go collectors:
// other names than netdx_) and the exporter's, in name order.
type merged struct {
	reg *prometheus.Registry
	exp *Exporter
}

// Gather merges without client_golang's checks of every series (Gatherers
// would hash each of thousands): the exporter's families are consistent
// by construction, which its tests check through those very checks.
func (m merged) Gather() ([]*dto.MetricFamily, error) {
	own, err := m.reg.Gather()
	fams, _ := m.exp.Gather()
	all := make([]*dto.MetricFamily, 0, len(own)+len(fams))
	all = append(append(all, own...), fams...)
	slices.SortFunc(all, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return all, err
}

// serve answers one /probe request.
func (pc ProbeConfig) serve(w http.ResponseWriter, r *http.Request, slots chan struct{}) {
	q := r.URL.Query()
	name, module := q.Get("target"), q.Get("module")
	if module == "" {
		module = "icmp"
	}
	switch {
	case name == "":
		http.Error(w, "netdx: /probe needs target=ADDRESS (and module=icmp|trace|diagnose)", http.StatusBadRequest)
		return
	case !slices.Contains(Modules, module):
		http.Error(w, fmt.Sprintf("netdx: unknown module %q: want icmp, trace or diagnose", module), http.StatusBadRequest)
		return
	}
	timeout := pc.DefaultTimeout
	// Prometheus says how long it waits; answer a little before.
	if v := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds"); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
			timeout = min(time.Duration(s*float64(time.Second))-500*time.Millisecond, 5*time.Minute)
		}
	}
	if timeout < 500*time.Millisecond {
		http.Error(w, "netdx: scrape timeout too short for a probe", http.StatusBadRequest)
		return
	}
	select {
	case slots <- struct{}{}:
		defer func() { <-slots }()
	default:
		http.Error(w, "netdx: too many probes at once", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	start := time.Now()
	reg := prometheus.NewRegistry()
	ok := false
	addr, err := pc.Resolve(ctx, name)
	if err == nil && !pc.allowed(addr) {
		http.Error(w, fmt.Sprintf("netdx: /probe target %s (%s) is outside the allowed prefixes", name, addr), http.StatusForbidden)
		return
	}
	if err == nil {
		ok = pc.runProbe(ctx, module, check.Target{Name: name, Addr: addr}, timeout, reg)
	}
	success := prometheus.NewGauge(prometheus.GaugeOpts{Name: "probe_success", Help: "Whether the probe succeeded."})
	duration := prometheus.NewGauge(prometheus.GaugeOpts{Name: "probe_duration_seconds", Help: "How long the probe took."})
	reg.MustRegister(success, duration)
	success.Set(b2f(ok))
	duration.Set(time.Since(start).Seconds())
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}
