package check

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"netdx/diagnose"
	"netdx/probe"
	"netdx/trace"
)

// PathConfig configures a path check; start from DefaultPathConfig. Every
// field is taken as it is.
type PathConfig struct {
	// Trace configures the trace rounds.
	Trace trace.Config
	// Duration is how long the check probes; the last answers may take up
	// to the trace's wait (or the echo timeout) more.
	Duration time.Duration
	// RoundInterval paces the trace rounds.
	RoundInterval time.Duration
	// EchoInterval paces the echo stream.
	EchoInterval time.Duration
	// NoEcho runs no echo stream: loss is then read from the trace's
	// target hop (EchoInterval and EchoTimeout are not used).
	NoEcho bool
	// EchoTimeout bounds the wait for an echo reply.
	EchoTimeout time.Duration
	// NoMTU sends no DF requests of several sizes beside the streams:
	// MTU black holes are then not looked for.
	NoMTU bool
	// Mode is the ICMP socket kind of the echo stream (and of the MTU
	// probes).
	Mode probe.Mode
	// OnRound, if set, is called with each trace round as it completes.
	OnRound func(i int, r trace.Result)
}

// DefaultPathConfig is diagnose's path check: for 3 s, at once,
//   - report rounds of ICMP traces (targets do not rate-limit echo replies
//     as they do port unreachables) every 15 ms: 200 of them, each hop's
//     loss from a sample of 200 if the router answers them, what it takes
//     to tell a clean hop from one behind 10 % loss beyond chance;
//   - an echo request every 10 ms: 300, which tell 0 or 1 lost from 2 %
//     loss, and 10 % from 2 %; each reply awaited 1 s;
//   - DF echo requests of 1500 and 1280 bytes, and when the large ones die
//     without a word, a few more of the sizes between and to the hops
//     before the target (see probeMTU): two requests on a sound path.
//
// The trace's wait is 2 s, not a traceroute's 5: the check takes its
// duration plus at most that wait for a silent hop (diagnose answers
// within about 5 s), and an answer slower than 2 s is not one a path
// check of seconds can judge anyway. watch's path rounds and /probe take
// this wait too.
func DefaultPathConfig() PathConfig {
	tc := trace.DefaultReportConfig()
	tc.Protocol, tc.Port, tc.Wait = trace.ICMP, trace.ICMP.DefaultPort(), 2*time.Second
	return PathConfig{
		Trace:         tc,
		Duration:      3 * time.Second,
		RoundInterval: 15 * time.Millisecond,
		EchoInterval:  10 * time.Millisecond,
		EchoTimeout:   time.Second,
	}
}

// MaxDuration bounds a path check: longer is a watch, not a diagnosis.
const MaxDuration = time.Hour

// Validate reports what makes c unfit to run, before any socket is opened
// and whatever the target: a *ConfigError for its own fields, the trace's
// *trace.ConfigError for Trace's.
func (c PathConfig) Validate() error {
	switch {
	case c.Duration < time.Millisecond || c.Duration > MaxDuration:
		return bad("Duration", c.Duration, "want 1ms..%v", MaxDuration)
	case c.RoundInterval < time.Millisecond || c.RoundInterval > c.Duration:
		return bad("RoundInterval", c.RoundInterval, "want 1ms up to the duration (%v)", c.Duration)
	}
	if !c.NoEcho {
		switch {
		case c.EchoInterval < time.Millisecond:
			return bad("EchoInterval", c.EchoInterval, "want at least 1ms")
		case c.EchoInterval > c.Duration:
			return bad("EchoInterval", c.EchoInterval, "longer than the duration (%v)", c.Duration)
		}
	}
	if (!c.NoEcho || !c.NoMTU) && c.EchoTimeout < time.Millisecond {
		return bad("EchoTimeout", c.EchoTimeout, "want at least 1ms")
	}
	return c.Trace.Validate(netip.Addr{})
}

// Path checks the path to t: report rounds of traces (where loss and
// latency start) and, at the same time, an echo stream to the target on
// ping's machinery (how much loss, from enough probes to decide). It
// returns what both saw, even when one of them failed (with the error).
func Path(ctx context.Context, t Target, cfg PathConfig) (diagnose.PathEvidence, error) {
	if err := cfg.Validate(); err != nil {
		return diagnose.PathEvidence{}, err
	}
	ev := diagnose.PathEvidence{Target: t.Name, Addr: t.Addr, Protocol: cfg.Trace.Protocol}
	var (
		wg                    sync.WaitGroup
		traceErr, echoE, mtuE error
		rounds                []trace.Result
	)
	if !cfg.NoEcho {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev.Echo, echoE = echo(ctx, t, cfg)
		}()
	}
	if !cfg.NoMTU {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev.MTU, mtuE = probeMTU(ctx, t, cfg)
		}()
	}
	onRound := cfg.OnRound
	rc := trace.Rounds{Count: max(1, int(cfg.Duration/cfg.RoundInterval)), Interval: cfg.RoundInterval,
		OnRound: func(i int, r trace.Result) {
			if r.EndReason != trace.EndCanceled {
				rounds = append(rounds, r)
			}
			if onRound != nil {
				onRound(i, r)
			}
		}}
	_, traceErr = trace.RunReport(ctx, t.Addr, cfg.Trace, rc)
	wg.Wait()
	ev.Rounds = rounds
	return ev, errors.Join(traceErr, echoE, mtuE)
}

// echo runs the echo stream and keeps every reply's RTT. The stream sends
// for cfg.Duration, then waits for its last replies three times the
// slowest RTT seen (at least 100 ms, at most the echo timeout): what has
// not come back by then is lost, as it would be after the full timeout.
func echo(ctx context.Context, t Target, cfg PathConfig) (*diagnose.Echo, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e := &diagnose.Echo{Interval: cfg.EchoInterval}
	var (
		mu      sync.Mutex
		slowest time.Duration
	)
	pc := probe.DefaultConfig()
	pc.Count, pc.Interval, pc.Timeout = max(1, int(cfg.Duration/cfg.EchoInterval)), cfg.EchoInterval, cfg.EchoTimeout
	pc.Mode, pc.Source, pc.Interface = cfg.Mode, cfg.Trace.Source, cfg.Trace.Interface
	pc.OnEvent = func(ev probe.Event) {
		if ev.Kind == probe.EventReply {
			mu.Lock()
			e.RTTs = append(e.RTTs, ev.RTT)
			slowest = max(slowest, ev.RTT)
			mu.Unlock()
		}
	}
	go func() {
		wait := time.NewTimer(cfg.Duration)
		defer wait.Stop()
		select {
		case <-wait.C:
		case <-ctx.Done():
			return
		}
		mu.Lock()
		tail := cfg.EchoTimeout
		if slowest > 0 {
			tail = min(max(3*slowest, 100*time.Millisecond), cfg.EchoTimeout)
		}
		mu.Unlock()
		wait.Reset(tail)
		select {
		case <-wait.C:
			cancel()
		case <-ctx.Done():
		}
	}()
	res, err := probe.Ping(ctx, pc, []probe.Target{{Name: t.Name, Addr: t.Addr}})
	if err != nil {
		return nil, fmt.Errorf("check: echo stream to %s: %w", t.Name, echoErr(err))
	}
	r := res[0]
	mu.Lock()
	defer mu.Unlock()
	e.Sent, e.Received, e.Errors = r.Sent, r.Received, r.ICMPErrors
	return e, nil
}
