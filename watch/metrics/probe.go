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

// ProbeConfig configures /probe; start from DefaultProbeConfig.
type ProbeConfig struct {
	// Resolve turns the target parameter into an address (netdx's
	// resolver: an address as it is, a name by one lookup).
	Resolve func(ctx context.Context, name string) (netip.Addr, error)
	// Modules configures the checks (check.Probers: icmp, trace,
	// diagnose); a module shortens its check only as much as the scrape
	// timeout forces.
	Modules check.ProbeConfig
	// Allow, when set, limits /probe to targets whose address (after
	// resolution) lies in one of the prefixes; others are answered 403,
	// nothing sent. Anyone who reaches the port can otherwise make netdx
	// probe any address.
	Allow []netip.Prefix
	// MaxConcurrent bounds the probes running at once (at least 1); more
	// are answered 503.
	MaxConcurrent int
	// DefaultTimeout is the time a probe may take when the scraper does
	// not say.
	DefaultTimeout time.Duration
}

// DefaultProbeConfig runs check's modules as check.DefaultProbeConfig
// has them, 4 at once, each within 10 s unless the scraper says.
func DefaultProbeConfig() ProbeConfig {
	return ProbeConfig{Modules: check.DefaultProbeConfig(), MaxConcurrent: 4, DefaultTimeout: 10 * time.Second}
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

// probeMetrics turns a module's result into reg's gauges.
func probeMetrics(reg *prometheus.Registry, r check.ProbeResult) {
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
	if r.Path != nil {
		pathMetrics(g, *r.Path)
	}
	if e := r.Echo; e != nil {
		echoMetrics(g, e.Sent, e.Received, e.RTT)
	}
	if d := r.Diagnosis; d != nil {
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
	}
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
