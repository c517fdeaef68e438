package metrics

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"html"
	"log/slog"
	"maps"
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
	// Logger receives a line for the /probe requests dropped (at most one
	// a minute per reason, with how many more); nil means slog.Default().
	Logger *slog.Logger
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
		p := &prober{cfg: cfg.Probe, modules: check.Probers(), slots: make(chan struct{}, cfg.Probe.MaxConcurrent),
			drops: newDropLog(cmp.Or(cfg.Logger, slog.Default()), time.Minute)}
		mux.Handle("/probe", p)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><head><title>netdx watch</title></head><body><h1>netdx watch</h1>"+
			"<p><a href=\"/metrics\">/metrics</a></p><p>/probe?target=ADDRESS&amp;module=%s</p></body></html>\n",
			html.EscapeString(fmt.Sprint(moduleNames())))
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

// moduleNames are check's probe modules, in name order.
func moduleNames() []string { return slices.Sorted(maps.Keys(check.Probers())) }

// prober answers /probe.
type prober struct {
	cfg     ProbeConfig
	modules map[string]check.ProbeFunc
	slots   chan struct{} // the probes running
	drops   *dropLog
}

// ServeHTTP answers one /probe request.
func (p *prober) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name, module := q.Get("target"), q.Get("module")
	if module == "" {
		module = "icmp"
	}
	run, ok := p.modules[module]
	switch {
	case name == "":
		p.refuse(w, r, http.StatusBadRequest, "no target", "netdx: /probe needs target=ADDRESS (and module=%s)", strings.Join(moduleNames(), "|"))
		return
	case !ok:
		p.refuse(w, r, http.StatusBadRequest, "unknown module", "netdx: unknown module %q: want %s", module, strings.Join(moduleNames(), ", "))
		return
	}
	timeout := p.cfg.DefaultTimeout
	// Prometheus says how long it waits; answer a little before.
	if v := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds"); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
			timeout = min(time.Duration(s*float64(time.Second))-500*time.Millisecond, 5*time.Minute)
		}
	}
	if timeout < 500*time.Millisecond {
		p.refuse(w, r, http.StatusBadRequest, "scrape timeout too short", "netdx: scrape timeout too short for a probe")
		return
	}
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	default:
		p.refuse(w, r, http.StatusServiceUnavailable, "too many probes at once", "netdx: too many probes at once")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	start := time.Now()
	reg := prometheus.NewRegistry()
	succeeded := false
	addr, err := p.cfg.Resolve(ctx, name)
	if err == nil && !p.cfg.allowed(addr) {
		p.refuse(w, r, http.StatusForbidden, "target outside --probe-allow",
			"netdx: /probe target %s (%s) is outside the allowed prefixes", name, addr)
		return
	}
	if err == nil {
		res := run(ctx, check.Target{Name: name, Addr: addr}, p.cfg.Modules, timeout)
		probeMetrics(reg, res)
		succeeded = res.Success
	}
	success := prometheus.NewGauge(prometheus.GaugeOpts{Name: "probe_success", Help: "Whether the probe succeeded."})
	duration := prometheus.NewGauge(prometheus.GaugeOpts{Name: "probe_duration_seconds", Help: "How long the probe took."})
	reg.MustRegister(success, duration)
	success.Set(b2f(succeeded))
	duration.Set(time.Since(start).Seconds())
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// refuse answers a request /probe drops, and logs it.
func (p *prober) refuse(w http.ResponseWriter, r *http.Request, code int, why, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	p.drops.log(why, "code", code, "from", r.RemoteAddr, "query", r.URL.RawQuery, "answer", msg)
	http.Error(w, msg, code)
}
