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

// Defaults of PathConfig's zero fields.
const (
	// DefaultDuration is how long a path check probes: enough for 300
	// echo requests and 200 rounds.
	DefaultDuration = 3 * time.Second
	// DefaultEchoInterval paces the echo stream (100 a second: 300 in 3 s,
	// which tells 0 or 1 lost from 2 % loss, and 10 % from 2 %).
	DefaultEchoInterval = 10 * time.Millisecond
	// DefaultRoundInterval paces the trace rounds (200 in 3 s: each hop's
	// loss from a sample of 200, if the router answers them — what it takes
	// to tell a clean hop from one behind 10 % loss beyond chance).
	DefaultRoundInterval = 15 * time.Millisecond
	// DefaultEchoTimeout is how long an echo reply may take.
	DefaultEchoTimeout = time.Second
)

// PathConfig configures a path check. The zero value probes for 3 s: ICMP
// trace rounds every 15 ms and echo requests every 10 ms, at once.
type PathConfig struct {
	// Trace configures the trace rounds (Protocol 0 means ICMP here:
	// targets do not rate-limit echo replies as they do port
	// unreachables). Queries and Retries keep report defaults.
	Trace trace.Config
	// Duration is how long the check probes (default 3 s); the last
	// answers may take up to the echo timeout more.
	Duration time.Duration
	// RoundInterval paces the trace rounds (default 15 ms).
	RoundInterval time.Duration
	// EchoInterval paces the echo stream (default 10 ms); negative: no
	// echo stream (loss is then read from the trace's target hop).
	EchoInterval time.Duration
	// EchoTimeout bounds the wait for an echo reply (default 1 s).
	EchoTimeout time.Duration
	// Mode is the ICMP socket kind of the echo stream.
	Mode probe.Mode
	// OnRound, if set, is called with each trace round as it completes.
	OnRound func(i int, r trace.Result)
}

// MaxDuration bounds a path check: longer is a watch, not a diagnosis.
const MaxDuration = time.Hour

func (c PathConfig) withDefaults() (PathConfig, error) {
	if c.Trace.Protocol == 0 {
		c.Trace.Protocol = trace.ICMP
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.RoundInterval == 0 {
		c.RoundInterval = DefaultRoundInterval
	}
	if c.EchoInterval == 0 {
		c.EchoInterval = DefaultEchoInterval
	}
	if c.EchoTimeout == 0 {
		c.EchoTimeout = DefaultEchoTimeout
	}
	switch {
	case c.Duration < time.Millisecond || c.Duration > MaxDuration:
		return c, bad("Duration", c.Duration, "want 1ms..%v", MaxDuration)
	case c.RoundInterval < time.Millisecond || c.RoundInterval > c.Duration:
		return c, bad("RoundInterval", c.RoundInterval, "want 1ms up to the duration (%v)", c.Duration)
	case c.EchoInterval == ExplicitZero || (c.EchoInterval > 0 && c.EchoInterval < time.Millisecond):
		return c, bad("EchoInterval", c.EchoInterval, "want at least 1ms (negative: no echo stream)")
	case c.EchoInterval > c.Duration:
		return c, bad("EchoInterval", c.EchoInterval, "longer than the duration (%v)", c.Duration)
	case c.EchoTimeout < time.Millisecond:
		return c, bad("EchoTimeout", c.EchoTimeout, "want at least 1ms")
	}
	return c, nil
}

// Validate reports what makes c unfit to run, before any socket is opened
// and whatever the target: a *ConfigError for its own fields, the trace's
// *trace.ConfigError for Trace's.
func (c PathConfig) Validate() error {
	c, err := c.withDefaults()
	if err != nil {
		return err
	}
	return c.Trace.Validate(netip.Addr{})
}

// Path checks the path to t: report rounds of traces (where loss and
// latency start) and, at the same time, an echo stream to the target on
// ping's machinery (how much loss, from enough probes to decide). It
// returns what both saw, even when one of them failed (with the error).
func Path(ctx context.Context, t Target, cfg PathConfig) (diagnose.PathEvidence, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return diagnose.PathEvidence{}, err
	}
	ev := diagnose.PathEvidence{Target: t.Name, Addr: t.Addr, Protocol: cfg.Trace.Protocol}
	var (
		wg              sync.WaitGroup
		traceErr, echoE error
		rounds          []trace.Result
	)
	if cfg.EchoInterval > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev.Echo, echoE = echo(ctx, t, cfg)
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
	if traceErr != nil && echoE != nil {
		return ev, errors.Join(traceErr, echoE)
	}
	if traceErr != nil {
		return ev, traceErr
	}
	return ev, echoE
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
	pc := probe.Config{Count: max(1, int(cfg.Duration/cfg.EchoInterval)), Interval: cfg.EchoInterval,
		Timeout: cfg.EchoTimeout, Mode: cfg.Mode, Source: cfg.Trace.Source, Interface: cfg.Trace.Interface,
		OnEvent: func(ev probe.Event) {
			if ev.Kind == probe.EventReply {
				mu.Lock()
				e.RTTs = append(e.RTTs, ev.RTT)
				slowest = max(slowest, ev.RTT)
				mu.Unlock()
			}
		}}
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
