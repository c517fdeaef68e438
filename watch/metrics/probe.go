package metrics

import (
	"context"
	"net/netip"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"netdx/check"
	"netdx/diagnose"
	"netdx/probe"
	"netdx/trace"
	"netdx/watch"
)

// Modules are the /probe modules, blackbox_exporter style: one check of
// one target per request.
var Modules = []string{"icmp", "trace", "diagnose"}

// ProbeConfig configures /probe.
type ProbeConfig struct {
	// Resolve turns the target parameter into an address (netdx's
	// resolver: an address as it is, a name by one lookup).
	Resolve func(ctx context.Context, name string) (netip.Addr, error)
	// Echo is the icmp module's ping (default: 5 requests 200 ms apart,
	// 1 s timeout).
	Echo probe.Config
	// Path is the trace and diagnose modules' path check (the trace
	// module runs no echo stream; diagnose keeps check's defaults
	// unless set: 3 s of rounds and echo requests).
	Path check.PathConfig
	// Rules judge the diagnose module's evidence.
	Rules diagnose.Config
	// Allow, when set, limits /probe to targets whose address (after
	// resolution) lies in one of the prefixes; others are answered 403,
	// nothing sent. Anyone who reaches the port can otherwise make netdx
	// probe any address.
	Allow []netip.Prefix
	// MaxConcurrent bounds the probes running at once (default 4);
	// more are answered 503.
	MaxConcurrent int
	// DefaultTimeout is the time a probe may take when the scraper does
	// not say (default 10 s).
	DefaultTimeout time.Duration
}

// allowed reports whether a may be probed.
func (pc ProbeConfig) allowed(a netip.Addr) bool {
	if len(pc.Allow) == 0 {
		return true
	}
	a = a.Unmap().WithZone("")
	for _, p := range pc.Allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// runProbe runs one module against target into reg and reports whether
// it succeeded.
func (pc ProbeConfig) runProbe(ctx context.Context, module string, target check.Target, timeout time.Duration, reg *prometheus.Registry) bool {
	g := func(name, help string, v float64, labels ...string) {
		var lk, lv []string
		for i := 0; i+1 < len(labels); i += 2 {
			lk, lv = append(lk, labels[i]), append(lv, labels[i+1])
		}
		gv := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, lk)
		if err := reg.Register(gv); err != nil {
			if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
				gv = are.ExistingCollector.(*prometheus.GaugeVec)
			}
		}
		gv.WithLabelValues(lv...).Set(v)
	}
	switch module {
	case "icmp":
		cfg := pc.Echo
		if cfg.Count == 0 {
			cfg.Count = 5
		}
		if cfg.Interval == 0 {
			cfg.Interval = 200 * time.Millisecond
		}
		if cfg.Timeout == 0 {
			cfg.Timeout = time.Second
		}
		if d := time.Duration(cfg.Count-1)*cfg.Interval + cfg.Timeout; d > timeout {
			cfg.Count = max(1, int((timeout-cfg.Timeout)/cfg.Interval)+1)
		}
		res, err := probe.Ping(ctx, cfg, []probe.Target{{Name: target.Name, Addr: target.Addr}})
		if err != nil || len(res) == 0 {
			return false
		}
		r := res[0]
		echoMetrics(g, r.Sent, r.Received, r.RTT)
		return r.Received > 0
	case "trace", "diagnose":
		cfg := pc.Path
		if module == "trace" {
			cfg.EchoInterval = -1
			if cfg.Duration == 0 {
				cfg.Duration = time.Second
			}
			if cfg.RoundInterval == 0 {
				cfg.RoundInterval = 100 * time.Millisecond
			}
		}
		if cfg.Trace.Wait == 0 {
			cfg.Trace.Wait = time.Second
		}
		dur := cfg.Duration
		if dur == 0 {
			dur = check.DefaultDuration
		}
		// Leave room for the last answers.
		if limit := timeout - cfg.Trace.Wait - 200*time.Millisecond; dur > limit {
			cfg.Duration = max(limit, 100*time.Millisecond)
			cfg.RoundInterval = min(max(cfg.RoundInterval, 0), cfg.Duration)
			if cfg.EchoInterval > cfg.Duration {
				cfg.EchoInterval = cfg.Duration
			}
		}
		ev, err := check.Path(ctx, target, cfg)
		if len(ev.Rounds) == 0 && ev.Echo == nil {
			return false
		}
		ev.Target = target.Name
		rep := trace.Summarize(ev.Rounds)
		pathMetrics(g, rep)
		if ev.Echo != nil {
			echoMetrics(g, ev.Echo.Sent, ev.Echo.Received, probe.Summarise(ev.Echo.RTTs))
		}
		if module == "trace" {
			return err == nil && rep.Reached
		}
		d := diagnose.Diagnose(diagnose.Evidence{Paths: []diagnose.PathEvidence{ev}}, pc.Rules)
		counts := map[watch.FindingClass]int{}
		for _, f := range d.Findings {
			counts[watch.FindingClass{Kind: f.Kind, Severity: f.Severity}]++
		}
		for _, k := range diagnose.Kinds() {
			for _, sev := range severities {
				g("netdx_probe_findings", "Findings of the diagnosis, by kind and severity.", float64(counts[watch.FindingClass{Kind: k, Severity: sev}]),
					"kind", string(k), "severity", sev.String())
			}
		}
		g("netdx_probe_status", "Status of the diagnosis: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.", float64(d.Status))
		return err == nil && d.Status == diagnose.StatusOK
	}
	return false
}

type gaugeFunc func(name, help string, v float64, labels ...string)

func echoMetrics(g gaugeFunc, sent, received int, rtt *probe.RTTStats) {
	g("netdx_probe_echo_requests", "Echo requests sent.", float64(sent))
	g("netdx_probe_echo_replies", "Echo requests answered in time.", float64(received))
	if sent > 0 {
		g("netdx_probe_loss_ratio", "Share of the echo requests lost.", float64(sent-received)/float64(sent))
	}
	if rtt != nil {
		for _, s := range []struct {
			name string
			v    float64
		}{{"min", rtt.Min}, {"avg", rtt.Avg}, {"max", rtt.Max}, {"p50", rtt.P50}, {"p95", rtt.P95}} {
			g("netdx_probe_rtt_seconds", "Round-trip times of the echo replies (kernel timestamps).", s.v/1000, "stat", s.name)
		}
	}
}

func pathMetrics(g gaugeFunc, rep trace.Report) {
	hops := rep.TargetTTL
	for _, h := range rep.Hops {
		if h.Received == 0 {
			continue
		}
		if rep.TargetTTL == 0 {
			hops = h.TTL
		}
		addr, ttl := h.Addrs[0].String(), strconv.Itoa(h.TTL)
		g("netdx_probe_hop_loss_ratio", "Share of a hop's trace probes left unanswered (rate-limited ones apart).", float64(h.Lost())/float64(max(h.Sent, 1)), "ttl", ttl, "addr", addr)
		g("netdx_probe_hop_rtt_best_seconds", "Best RTT of a hop's trace probes.", h.Best.Seconds(), "ttl", ttl, "addr", addr)
	}
	g("netdx_probe_hops", "Hops to the target (the last answering hop when not reached).", float64(hops))
	g("netdx_probe_reached", "Whether the trace reached the target.", b2f(rep.Reached))
	g("netdx_probe_trace_rounds", "Trace rounds run.", float64(rep.Rounds))
}
