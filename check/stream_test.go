package check

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"netdx/probe"
	"netdx/trace"
)

// fakeEngines stand in for trace.RunReport and probe.Ping: the test hands
// them rounds and echo events, which they deliver as the engines would,
// from their own goroutines, until the context ends.
type fakeEngines struct {
	rounds   chan trace.Result
	events   chan probe.Event
	traceErr error // returned at once, before any round
	echoErr  error // returned at once, before any request
	// echoLate makes the echo stream open its socket only once the
	// context has ended, failing as probe.Listen then does.
	echoLate   bool
	traceReady atomic.Int32
	echoReady  atomic.Int32
	traceDone  atomic.Bool
}

func newFakeEngines() *fakeEngines {
	return &fakeEngines{rounds: make(chan trace.Result), events: make(chan probe.Event)}
}

func (f *fakeEngines) install(s *Stream) {
	s.rounds = func(ctx context.Context, _ netip.Addr, cfg trace.Config, rc trace.Rounds) (trace.Report, error) {
		defer f.traceDone.Store(true)
		if f.traceErr != nil {
			return trace.Report{}, f.traceErr
		}
		f.traceReady.Add(1)
		cfg.OnReady()
		for i := 0; ; i++ {
			select {
			case r := <-f.rounds:
				rc.OnRound(i, r)
			case <-ctx.Done():
				rc.OnRound(i, trace.Result{EndReason: trace.EndCanceled})
				return trace.Report{}, fmt.Errorf("trace: %w", ctx.Err())
			}
		}
	}
	s.ping = func(ctx context.Context, cfg probe.Config, _ []probe.Target) ([]probe.Result, error) {
		if f.echoErr != nil {
			return nil, f.echoErr
		}
		if f.echoLate {
			<-ctx.Done()
			return nil, fmt.Errorf("probe: listen: %w", ctx.Err())
		}
		if cfg.Count != probe.UntilStopped {
			return nil, fmt.Errorf("fake ping: count %d, want probe.UntilStopped", cfg.Count)
		}
		f.echoReady.Add(1)
		cfg.OnReady()
		for {
			select {
			case ev := <-f.events:
				cfg.OnEvent(ev)
			case <-ctx.Done():
				return []probe.Result{{}}, nil
			}
		}
	}
}

// event and round hand the fakes an echo event or a round and wait until
// the stream has taken it in (run in a synctest bubble).
func (f *fakeEngines) event(ev probe.Event) {
	f.events <- ev
	synctest.Wait()
}

func (f *fakeEngines) round(r trace.Result) {
	f.rounds <- r
	synctest.Wait()
}

var streamTarget = Target{Name: "dst", Addr: netip.MustParseAddr("198.18.4.2")}

// round is a reached round whose Sent field numbers it, so that tests can
// tell rounds apart.
func round(n int) trace.Result {
	return trace.Result{Addr: streamTarget.Addr, Protocol: trace.ICMP, Reached: true, EndReason: trace.EndReached, Sent: n,
		Hops: []trace.Hop{{TTL: 1, Probes: []trace.Probe{{Addr: streamTarget.Addr, RTT: time.Duration(n) * time.Millisecond}}}}}
}

func reply(seq int, rtt time.Duration) probe.Event {
	return probe.Event{Kind: probe.EventReply, Seq: seq, RTT: rtt}
}

// runStream runs a stream with fake engines in a synctest bubble and hands
// the test the stream, the fakes and the snapshots so far (read after
// synctest.Wait). The bubble ends with the context: a goroutine left
// behind fails the test.
func runStream(t *testing.T, cfg StreamConfig, body func(s *Stream, f *fakeEngines, snaps func() []Snapshot)) error {
	t.Helper()
	var runErr error
	synctest.Test(t, func(t *testing.T) {
		s, err := NewStream(streamTarget, cfg)
		if err != nil {
			t.Fatal(err)
		}
		f := newFakeEngines()
		f.install(s)
		var got []Snapshot
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			runErr = s.Run(ctx, func(sn Snapshot) { got = append(got, sn) })
		}()
		synctest.Wait()
		body(s, f, func() []Snapshot { synctest.Wait(); return got })
		cancel()
		<-done
	})
	return runErr
}

func TestStreamWindowSlides(t *testing.T) {
	err := runStream(t, withStreamConfig(func(c *StreamConfig) { c.Window, c.EchoWindow, c.EchoInterval = 3, 4, 10*time.Millisecond }), func(s *Stream, f *fakeEngines, snaps func() []Snapshot) {
		for seq := 1; seq <= 6; seq++ {
			if seq == 3 {
				f.event(probe.Event{Kind: probe.EventTimeout, Seq: seq})
				continue
			}
			f.event(reply(seq, time.Duration(seq)*time.Millisecond))
		}
		for n := 1; n <= 5; n++ {
			f.round(round(n))
		}
		got := snaps()
		if len(got) != 5 {
			t.Fatalf("%d snapshots for 5 rounds", len(got))
		}
		last := got[4]
		if last.Rounds != 5 || last.Echoes != 6 {
			t.Errorf("counts %d rounds, %d echo requests; want 5 and 6", last.Rounds, last.Echoes)
		}
		var ids []int
		for _, r := range last.Evidence.Rounds {
			ids = append(ids, r.Sent)
		}
		if fmt.Sprint(ids) != "[3 4 5]" {
			t.Errorf("window rounds %v, want the last 3: [3 4 5]", ids)
		}
		e := last.Evidence.Echo
		if e == nil || e.Sent != 4 || e.Received != 3 || fmt.Sprint(e.RTTs) != "[4ms 5ms 6ms]" || e.Interval != 10*time.Millisecond {
			t.Errorf("echo window %+v, want the last 4 requests: 3 lost, then replies of 4, 5, 6 ms", e)
		}
		if got[0].Rounds != 1 || len(got[0].Evidence.Rounds) != 1 {
			t.Errorf("first snapshot: %d rounds, %d in the window", got[0].Rounds, len(got[0].Evidence.Rounds))
		}
		ev := last.Evidence
		if ev.Target != "dst" || ev.Addr != streamTarget.Addr || ev.Protocol != trace.ICMP {
			t.Errorf("evidence names %q %v %q", ev.Target, ev.Addr, ev.Protocol)
		}
	})
	if err != nil {
		t.Errorf("Run: %v, want nil when the context ends", err)
	}
}

// TestStreamEchoCorrections: a request is counted once, whatever is said
// about it later: a reply stamped in time but read after its timeout makes
// it received, an ICMP error after its timeout changes nothing, and
// duplicates and late replies are not requests.
func TestStreamEchoCorrections(t *testing.T) {
	runStream(t, withStreamConfig(func(c *StreamConfig) { c.EchoInterval = 10 * time.Millisecond }), func(s *Stream, f *fakeEngines, snaps func() []Snapshot) {
		f.event(probe.Event{Kind: probe.EventTimeout, Seq: 1})
		f.event(reply(1, 900*time.Millisecond))
		f.event(probe.Event{Kind: probe.EventTimeout, Seq: 2})
		f.event(probe.Event{Kind: probe.EventError, Seq: 2, ErrType: 3, ErrCode: 1})
		f.event(probe.Event{Kind: probe.EventError, Seq: 3, ErrType: 3, ErrCode: 1})
		f.event(probe.Event{Kind: probe.EventError, Seq: 3, ErrType: 3, ErrCode: 1})
		f.event(reply(4, 5*time.Millisecond))
		f.event(probe.Event{Kind: probe.EventDuplicate, Seq: 4, RTT: 6 * time.Millisecond})
		f.event(probe.Event{Kind: probe.EventLate, Seq: 5, RTT: 2 * time.Second})
		f.event(probe.Event{Kind: probe.EventInvalid, Seq: 6})
		f.event(probe.Event{Kind: probe.EventSendError, Seq: 7})
		f.round(round(1))
		e := snaps()[0].Evidence.Echo
		if e.Sent != 5 || e.Received != 2 || fmt.Sprint(e.RTTs) != "[900ms 5ms]" {
			t.Errorf("echo %+v, want 5 requests (1..4 and the failed send 7), 1 and 4 received", e)
		}
	})
}

func TestStreamResetAndPause(t *testing.T) {
	runStream(t, withStreamConfig(func(c *StreamConfig) { c.EchoInterval = 10 * time.Millisecond }), func(s *Stream, f *fakeEngines, snaps func() []Snapshot) {
		f.event(reply(1, time.Millisecond))
		f.round(round(1))
		f.round(round(2))
		s.Reset()
		if sn := s.Snapshot(); sn.Rounds != 0 || len(sn.Evidence.Rounds) != 0 || sn.Evidence.Echo.Sent != 0 {
			t.Errorf("after Reset: %+v", sn)
		}
		f.round(round(3))
		got := snaps()
		if got[len(got)-2].Resets != 0 {
			t.Errorf("a snapshot before the reset says %d resets", got[len(got)-2].Resets)
		}
		if sn := got[len(got)-1]; sn.Rounds != 1 || sn.Resets != 1 || len(sn.Evidence.Rounds) != 1 || sn.Evidence.Rounds[0].Sent != 3 || sn.Evidence.Echo.Sent != 0 {
			t.Errorf("first round after Reset: %d rounds %+v, echo %+v", sn.Rounds, sn.Evidence.Rounds, sn.Evidence.Echo)
		}
		n := len(got)
		s.Pause(true)
		f.round(round(4))
		f.event(reply(2, time.Millisecond))
		if got := snaps(); len(got) != n {
			t.Errorf("a snapshot while paused")
		}
		s.Pause(false)
		f.round(round(5))
		got = snaps()
		sn := got[len(got)-1]
		if len(got) != n+1 || sn.Rounds != 2 || sn.Evidence.Rounds[1].Sent != 5 || sn.Evidence.Echo.Sent != 0 {
			t.Errorf("after resuming: %d rounds %+v, echo %+v: what completed while paused must not count", sn.Rounds, sn.Evidence.Rounds, sn.Evidence.Echo)
		}
	})
}

// TestStreamSnapshotsAreTheCallers: a snapshot does not change as the
// stream goes on, and changing it does not change the stream.
func TestStreamSnapshotsAreTheCallers(t *testing.T) {
	runStream(t, withStreamConfig(func(c *StreamConfig) { c.Window, c.EchoInterval = 2, 10*time.Millisecond }), func(s *Stream, f *fakeEngines, snaps func() []Snapshot) {
		f.event(reply(1, time.Millisecond))
		f.round(round(1))
		first := snaps()[0]
		first.Evidence.Rounds[0] = round(99)
		first.Evidence.Echo.RTTs[0] = time.Hour
		f.round(round(2))
		f.round(round(3))
		got := snaps()
		if got[0].Evidence.Rounds[0].Sent != 99 || len(got[0].Evidence.Rounds) != 1 {
			t.Errorf("an old snapshot changed: %+v", got[0].Evidence.Rounds)
		}
		last := got[2].Evidence
		if last.Rounds[0].Sent != 2 || last.Rounds[1].Sent != 3 || last.Echo.RTTs[0] != time.Millisecond {
			t.Errorf("the stream saw the caller's changes: %+v %v", last.Rounds, last.Echo.RTTs)
		}
	})
}

func TestStreamOnReadyOnceBothAreOpen(t *testing.T) {
	for _, echo := range []bool{true, false} {
		t.Run(fmt.Sprintf("echo=%v", echo), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeEngines()
				var calls atomic.Int32
				cfg := DefaultStreamConfig()
				cfg.OnReady = func() {
					calls.Add(1)
					if f.traceReady.Load() != 1 || (echo && f.echoReady.Load() != 1) {
						t.Errorf("OnReady before every socket was open")
					}
				}
				if !echo {
					cfg.NoEcho = true
				}
				s, err := NewStream(streamTarget, cfg)
				if err != nil {
					t.Fatal(err)
				}
				f.install(s)
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error)
				go func() { done <- s.Run(ctx, nil) }()
				synctest.Wait()
				if calls.Load() != 1 {
					t.Errorf("OnReady called %d times, want once", calls.Load())
				}
				if !echo && f.echoReady.Load() != 0 {
					t.Errorf("an echo stream ran with a negative EchoInterval")
				}
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Run: %v", err)
				}
			})
		})
	}
}

// TestStreamEngineFails: when one engine cannot run, Run stops the other
// and returns its error, wrapped, for errors.Is and errors.As.
func TestStreamEngineFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := NewStream(streamTarget, DefaultStreamConfig())
		f := newFakeEngines()
		f.echoErr = probe.ErrInterval
		f.install(s)
		err := s.Run(context.Background(), nil)
		if !errors.Is(err, probe.ErrInterval) || !f.traceDone.Load() {
			t.Errorf("echo failed: Run returned %v (trace stopped: %v)", err, f.traceDone.Load())
		}
	})
	synctest.Test(t, func(t *testing.T) {
		s, _ := NewStream(streamTarget, DefaultStreamConfig())
		f := newFakeEngines()
		f.traceErr = &trace.ConfigError{Field: "Source", Value: "198.18.9.9", Reason: "not an address of this host"}
		f.install(s)
		err := s.Run(context.Background(), nil)
		var ce *trace.ConfigError
		if !errors.As(err, &ce) || ce.Field != "Source" || !errors.Is(err, trace.ErrConfig) {
			t.Errorf("trace failed: Run returned %v", err)
		}
		if err := s.Run(context.Background(), nil); err == nil {
			t.Errorf("a second Run must fail")
		}
	})
	// The trace fails before the echo stream has its socket: the echo
	// stream is canceled, and the trace's error is the one told.
	synctest.Test(t, func(t *testing.T) {
		s, _ := NewStream(streamTarget, DefaultStreamConfig())
		f := newFakeEngines()
		f.traceErr = &trace.ConfigError{Field: "Source", Value: "198.18.9.9", Reason: "not an address of this host"}
		f.echoLate = true
		f.install(s)
		err := s.Run(context.Background(), nil)
		var ce *trace.ConfigError
		if !errors.As(err, &ce) || ce.Field != "Source" {
			t.Errorf("trace failed, the echo stream canceled: Run returned %v, want the trace's error", err)
		}
	})
}

// withStreamConfig is DefaultStreamConfig changed by set.
func withStreamConfig(set func(*StreamConfig)) StreamConfig {
	c := DefaultStreamConfig()
	set(&c)
	return c
}

func TestStreamConfigDefaultsAndErrors(t *testing.T) {
	c := DefaultStreamConfig()
	if err := c.Validate(streamTarget); err != nil || c.RoundInterval != time.Second || c.EchoInterval != 100*time.Millisecond || c.Window != 600 ||
		c.EchoWindow != 6000 || c.EchoTimeout != time.Second || c.Trace.Protocol != trace.ICMP || c.Trace.Queries != 1 {
		t.Errorf("defaults %+v, %v", c, err)
	}
	c = withStreamConfig(func(c *StreamConfig) { c.Window = 100 }).Paced(50 * time.Millisecond)
	if c.RoundInterval != 50*time.Millisecond || c.EchoInterval != 10*time.Millisecond || c.EchoWindow != 500 {
		t.Errorf("50 ms rounds: echo every %v, window %d; want 10ms (the floor) and 500", c.EchoInterval, c.EchoWindow)
	}
	if c := withStreamConfig(func(c *StreamConfig) { c.NoEcho, c.EchoInterval, c.EchoWindow = true, 0, 0 }); c.Validate(streamTarget) != nil {
		t.Errorf("no echo stream: its fields are not used, yet %v", c.Validate(streamTarget))
	}
	for _, tc := range []struct {
		set   func(*StreamConfig)
		field string
		value any
	}{
		{func(c *StreamConfig) { c.RoundInterval = 0 }, "RoundInterval", time.Duration(0)},
		{func(c *StreamConfig) { c.RoundInterval = 2 * time.Hour }, "RoundInterval", 2 * time.Hour},
		{func(c *StreamConfig) { c.EchoInterval = 0 }, "EchoInterval", time.Duration(0)},
		{func(c *StreamConfig) { c.EchoInterval = -time.Second }, "EchoInterval", -time.Second},
		{func(c *StreamConfig) { c.EchoInterval = time.Microsecond }, "EchoInterval", time.Microsecond},
		{func(c *StreamConfig) { c.Window = MaxWindow + 1 }, "Window", MaxWindow + 1},
		{func(c *StreamConfig) { c.Window = 0 }, "Window", 0},
		{func(c *StreamConfig) { c.EchoWindow = -5 }, "EchoWindow", -5},
		{func(c *StreamConfig) { c.EchoTimeout = time.Hour }, "EchoTimeout", time.Hour},
	} {
		err := withStreamConfig(tc.set).Validate(streamTarget)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || ce.Value != tc.value || !errors.Is(err, ErrConfig) {
			t.Errorf("%s %v: %v, want a ConfigError for it", tc.field, tc.value, err)
		}
	}
	if err := withStreamConfig(func(c *StreamConfig) { c.Trace.MaxTTL = 300 }).Validate(streamTarget); !errors.Is(err, trace.ErrConfig) {
		t.Errorf("the trace's fields are validated too: %v", err)
	}
	if _, err := NewStream(streamTarget, withStreamConfig(func(c *StreamConfig) { c.Window = -1 })); err == nil {
		t.Errorf("NewStream must refuse what Validate refuses")
	}
}
