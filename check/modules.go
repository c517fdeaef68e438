package check

import (
	"context"
	"time"

	"netdx/diagnose"
	"netdx/probe"
	"netdx/trace"
)

// ProbeConfig configures the probe modules: one check of one target on
// request, blackbox_exporter's modules (netdx watch's /probe). Start from
// DefaultProbeConfig.
type ProbeConfig struct {
	// Echo is the icmp module's ping.
	Echo probe.Config
	// Trace is the trace module's path rounds (it runs no echo stream).
	Trace PathConfig
	// Path is the diagnose module's path check.
	Path PathConfig
	// Rules judge the diagnose module's evidence.
	Rules diagnose.Config
}

// DefaultProbeConfig is the modules' checks within a scrape's 10 s:
//   - icmp: 5 echo requests 200 ms apart, each reply awaited 1 s;
//   - trace: 10 rounds 100 ms apart (1 s), the path check's trace;
//   - diagnose: the path check of DefaultPathConfig (3 s), judged by the
//     rules' defaults.
func DefaultProbeConfig() ProbeConfig {
	echo := probe.DefaultConfig()
	echo.Count, echo.Interval, echo.Timeout = 5, 200*time.Millisecond, time.Second
	tr := DefaultPathConfig()
	tr.NoEcho, tr.Duration, tr.RoundInterval = true, time.Second, 100*time.Millisecond
	return ProbeConfig{Echo: echo, Trace: tr, Path: DefaultPathConfig(), Rules: diagnose.DefaultConfig()}
}

// ProbeResult is what one module saw of one target: plain values for an
// exporter to turn into metrics.
type ProbeResult struct {
	// Success is the module's verdict: a reply (icmp), the target reached
	// (trace), status OK (diagnose); never with an error.
	Success bool
	// Echo is the echo requests' outcome (icmp, diagnose); nil when none
	// was measured.
	Echo *ProbeEcho
	// Path is the report of the trace rounds (trace, diagnose); nil when
	// none was measured.
	Path *trace.Report
	// Diagnosis is the diagnose module's verdict on the path.
	Diagnosis *diagnose.Report
	// Err is why the check failed or stopped early, if it did.
	Err error
}

// ProbeEcho is the outcome of a module's echo requests.
type ProbeEcho struct {
	Sent, Received int
	RTT            *probe.RTTStats // nil without replies
}

// ProbeFunc runs one module's check of t with cfg, answering within
// budget: the time its caller waits for the result.
type ProbeFunc func(ctx context.Context, t Target, cfg ProbeConfig, budget time.Duration) ProbeResult

// Probers are the modules by name: icmp, trace and diagnose.
func Probers() map[string]ProbeFunc {
	return map[string]ProbeFunc{"icmp": probeEcho, "trace": probeTrace, "diagnose": probeDiagnose}
}

// probeMargin is what a path check leaves of its budget for answering.
const probeMargin = 200 * time.Millisecond

// minProbeDuration is the shortest path check a module shortens to.
const minProbeDuration = 100 * time.Millisecond

// probeEcho is the icmp module: fewer requests when the budget cannot
// wait for them all.
func probeEcho(ctx context.Context, t Target, cfg ProbeConfig, budget time.Duration) ProbeResult {
	pc := cfg.Echo
	if d := time.Duration(pc.Count-1)*pc.Interval + pc.Timeout; d > budget {
		pc.Count = max(1, int((budget-pc.Timeout)/pc.Interval)+1)
	}
	res, err := probe.Ping(ctx, pc, []probe.Target{{Name: t.Name, Addr: t.Addr}})
	if err != nil || len(res) == 0 {
		return ProbeResult{Err: err}
	}
	r := res[0]
	return ProbeResult{Success: r.Received > 0, Echo: &ProbeEcho{Sent: r.Sent, Received: r.Received, RTT: r.RTT}}
}

// probeTrace is the trace module.
func probeTrace(ctx context.Context, t Target, cfg ProbeConfig, budget time.Duration) ProbeResult {
	r, _ := probePath(ctx, t, fitPath(cfg.Trace, budget))
	r.Success = r.Err == nil && r.Path != nil && r.Path.Reached
	return r
}

// probeDiagnose is the diagnose module: the path check judged by the
// rules.
func probeDiagnose(ctx context.Context, t Target, cfg ProbeConfig, budget time.Duration) ProbeResult {
	r, ev := probePath(ctx, t, fitPath(cfg.Path, budget))
	if r.Path == nil && r.Echo == nil {
		return r
	}
	d := diagnose.Diagnose(diagnose.Evidence{Paths: []diagnose.PathEvidence{ev}}, cfg.Rules)
	r.Diagnosis = &d
	r.Success = r.Err == nil && d.Status == diagnose.StatusOK
	return r
}

// probePath runs a path check and summarises what it measured.
func probePath(ctx context.Context, t Target, pc PathConfig) (ProbeResult, diagnose.PathEvidence) {
	ev, err := Path(ctx, t, pc)
	r := ProbeResult{Err: err}
	if len(ev.Rounds) == 0 && ev.Echo == nil {
		return r, ev
	}
	ev.Target = t.Name
	rep := trace.Summarize(ev.Rounds)
	r.Path = &rep
	if e := ev.Echo; e != nil {
		r.Echo = &ProbeEcho{Sent: e.Sent, Received: e.Received, RTT: probe.Summarise(e.RTTs)}
	}
	return r, ev
}

// fitPath shortens c to answer within budget. The sample gives way first
// (the duration, down to minProbeDuration: a smaller sample decides less,
// it does not mislead); the wait for the last answers only when even that
// does not fit, since a wait shorter than the path's RTT would count slow
// answers as loss.
func fitPath(c PathConfig, budget time.Duration) PathConfig {
	avail := budget - probeMargin
	tail := c.Trace.Wait
	if !c.NoEcho {
		tail = max(tail, c.EchoTimeout)
	}
	if c.Duration+tail <= avail {
		return c
	}
	c.Duration = max(avail-tail, minProbeDuration)
	if left := avail - c.Duration; tail > left {
		c.Trace.Wait = max(left, trace.MinWait)
		c.EchoTimeout = min(c.EchoTimeout, c.Trace.Wait)
	}
	c.RoundInterval = min(c.RoundInterval, c.Duration)
	c.EchoInterval = min(c.EchoInterval, c.Duration)
	return c
}
