package check

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"

	"netdx/diagnose"
	"netdx/probe"
	"netdx/trace"
)

// Snapshot is a stream's evidence after a round: the window's rounds and
// echo requests, for diagnose.Path, and how many of each completed since
// the stream started or was last reset (the window holds the last of
// them).
type Snapshot struct {
	Evidence diagnose.PathEvidence
	Rounds   int
	Echoes   int
	// Resets counts the resets before the snapshot was taken, so that a
	// consumer can tell a snapshot taken before a reset it asked for
	// from one taken after.
	Resets int
}

// Stream checks the path to one target continuously: trace rounds (where
// loss and latency start) and an echo stream to the target (how much
// loss), both until the context ends, keeping the last rounds and echo
// requests in a sliding window (StreamConfig.Window, EchoWindow): the
// evidence stays the same size however long it runs, and so do the trace
// rounds (trace.Rounds.Keep). The echo engine is the exception: probe.Ping
// with Count 0 keeps a small record of every request it sent (about 50
// bytes each), until the stream ends. After every round it hands a
// snapshot of the window to its caller (a live view, watch).
//
// Its methods are safe for concurrent use; Run runs once.
type Stream struct {
	target Target
	cfg    StreamConfig

	// The engines; tests put fakes here.
	rounds func(ctx context.Context, target netip.Addr, cfg trace.Config, rc trace.Rounds) (trace.Report, error)
	ping   func(ctx context.Context, cfg probe.Config, targets []probe.Target) ([]probe.Result, error)

	ran    atomic.Bool
	mu     sync.Mutex
	win    window
	paused bool
	resets int
}

// NewStream returns a stream of the path to t, or the error Validate
// reports for cfg.
func NewStream(t Target, cfg StreamConfig) (*Stream, error) {
	if err := cfg.Validate(t); err != nil {
		return nil, err
	}
	return &Stream{target: t, cfg: cfg, rounds: trace.RunReport, ping: probe.Ping, win: newWindow(cfg)}, nil
}

// Target is the stream's target.
func (s *Stream) Target() Target { return s.target }

// Config is the stream's configuration.
func (s *Stream) Config() StreamConfig { return s.cfg }

// Run probes until ctx ends, calling on (if set) with a snapshot after
// every round, from the goroutine of the rounds: on must be quick, it
// delays the next round's answers. When ctx ends Run returns nil; when an
// engine fails (no permission, a source address the host does not have)
// it stops the other and returns the error. No goroutine it starts
// outlives it.
func (s *Stream) Run(ctx context.Context, on func(Snapshot)) error {
	if s.ran.Swap(true) {
		return errors.New("check: a stream runs once")
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	need := int32(1)
	if !s.cfg.NoEcho {
		need++
	}
	var opened atomic.Int32
	ready := func() {
		if opened.Add(1) == need && s.cfg.OnReady != nil {
			s.cfg.OnReady()
		}
	}
	var (
		wg      sync.WaitGroup
		echoErr error
	)
	if !s.cfg.NoEcho {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if echoErr = s.echo(ctx, ready); echoErr != nil {
				cancel()
			}
		}()
	}
	tc := s.cfg.Trace
	traceReady := tc.OnReady
	tc.OnReady = func() {
		if traceReady != nil {
			traceReady()
		}
		ready()
	}
	rc := trace.Rounds{Interval: s.cfg.RoundInterval, Keep: 1, OnRound: func(_ int, r trace.Result) {
		if r.EndReason == trace.EndCanceled {
			return
		}
		s.mu.Lock()
		if s.paused {
			s.mu.Unlock()
			return
		}
		s.win.addRound(r)
		snap := s.snapshotLocked()
		s.mu.Unlock()
		if on != nil {
			on(snap)
		}
	}}
	_, traceErr := s.rounds(ctx, s.target.Addr, tc, rc)
	cancel()
	wg.Wait()
	// One engine failing cancels the other: its error, not the other's
	// "context canceled", is why the stream stopped.
	ours := func(err error) bool { return err != nil && (parent.Err() != nil || !errors.Is(err, context.Canceled)) }
	switch {
	case ours(echoErr):
		return echoErr
	case ours(traceErr) && parent.Err() == nil:
		return fmt.Errorf("check: trace rounds to %s: %w", s.target.Name, traceErr)
	}
	return nil
}

// echo runs the echo stream until ctx ends, recording each request's
// outcome as it is decided.
func (s *Stream) echo(ctx context.Context, ready func()) error {
	pc := probe.DefaultConfig() // until stopped
	pc.Interval, pc.Timeout, pc.Mode, pc.OnReady = s.cfg.EchoInterval, s.cfg.EchoTimeout, s.cfg.Mode, ready
	pc.Source, pc.Interface = s.cfg.Trace.Source, s.cfg.Trace.Interface
	pc.OnEvent = func(ev probe.Event) {
		var o echoOutcome
		switch ev.Kind {
		case probe.EventReply:
			o = echoOutcome{rtt: ev.RTT, received: true}
		case probe.EventTimeout, probe.EventError, probe.EventSendError:
		default:
			return
		}
		s.mu.Lock()
		if !s.paused {
			s.win.addEcho(ev.Seq, o)
		}
		s.mu.Unlock()
	}
	if _, err := s.ping(ctx, pc, []probe.Target{{Name: s.target.Name, Addr: s.target.Addr}}); err != nil {
		return fmt.Errorf("check: echo stream to %s: %w", s.target.Name, echoErr(err))
	}
	return nil
}

// Snapshot is the evidence now.
func (s *Stream) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *Stream) snapshotLocked() Snapshot {
	sn := s.win.snapshot(s.target, s.cfg.Trace.Protocol)
	sn.Resets = s.resets
	return sn
}

// Reset forgets the evidence so far: the next snapshot holds only what
// completes from now on.
func (s *Stream) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.win.reset()
	s.resets++
}

// Pause stops (true) or resumes (false) recording evidence: while paused,
// probes keep going out (the sockets stay open) but rounds and echo
// requests that complete are not recorded and no snapshot is handed out,
// so the evidence stays as it was when paused.
func (s *Stream) Pause(paused bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paused = paused
}
