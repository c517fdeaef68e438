package check

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"sync"
	"time"

	"netdx/diagnose"
	"netdx/icmpmsg"
	"netdx/probe"
)

// Bounds of EchoConfig.
const (
	// MaxEchoesWindow bounds EchoConfig.Window.
	MaxEchoesWindow = 100000
	// MaxEchoErrorKinds bounds the ICMP error kinds remembered per target
	// (senders are whatever the network says).
	MaxEchoErrorKinds = 16
)

// EchoConfig configures continuous echo streams; start from
// DefaultEchoConfig. Every field is taken as it is.
type EchoConfig struct {
	// Interval between two requests to one target.
	Interval time.Duration
	// Timeout for each reply.
	Timeout time.Duration
	// Window is how many outcomes (a reply or a loss) of each target are
	// kept for the rules.
	Window int
	// Buckets are the RTT histogram's upper bounds in seconds, increasing.
	Buckets []float64
	// Mode, Source and Interface are the ping engine's.
	Mode      probe.Mode
	Source    netip.Addr
	Interface string
	// Logger receives a line when an epoch fails; nil means slog.Default().
	Logger *slog.Logger
}

// DefaultEchoConfig sends an echo request to every target each second and
// waits for each reply as ping does (2 s). It keeps the last 300 outcomes
// of each target — 300 tell 0 or 1 lost from 2 % loss (their 95 % interval
// ends below 2 %), as diagnose's 3-second stream does — and an RTT
// histogram from 50 µs doubling to 26 s, as smokeping_prober's.
func DefaultEchoConfig() EchoConfig {
	b := make([]float64, 20)
	for i := range b {
		b[i] = 50e-6 * float64(int(1)<<i)
	}
	return EchoConfig{Interval: time.Second, Timeout: probe.DefaultConfig().Timeout, Window: 300, Buckets: b}
}

// epoch is how many requests each target gets on one pair of sockets
// before fresh ones take over: 30 s worth, 10 to 600. It bounds the ping
// engine's own per-target state (a run without a count keeps up to 128
// requests and 1024 RTTs a target). The next epoch starts when the last
// one's next request would be due, so the stream has no gap.
func (c EchoConfig) epoch() int {
	return min(max(int(30*time.Second/max(c.Interval, time.Millisecond)), 10), 600)
}

// Validate reports what makes c unfit to run, before any socket is opened.
func (c EchoConfig) Validate() error {
	switch {
	case c.Interval < probe.MinTiming || c.Interval > probe.MaxTiming:
		return bad("EchoInterval", c.Interval, "want %v..%v", probe.MinTiming, probe.MaxTiming)
	case c.Timeout < probe.MinTiming || c.Timeout > probe.MaxTiming:
		return bad("EchoTimeout", c.Timeout, "want %v..%v", probe.MinTiming, probe.MaxTiming)
	case c.Window < 1 || c.Window > MaxEchoesWindow:
		return bad("Window", c.Window, "want 1..%d outcomes", MaxEchoesWindow)
	case len(c.Buckets) == 0:
		return bad("Buckets", c.Buckets, "want the histogram's bounds")
	}
	for i, b := range c.Buckets {
		if !(b > 0) || (i > 0 && b <= c.Buckets[i-1]) {
			return bad("Buckets", c.Buckets, "want increasing positive bounds")
		}
	}
	return nil
}

// Echoes are continuous echo streams to many targets on one socket per
// address family (the ping engine's), with each target's recent outcomes
// in a bounded window and its totals since the start. Outcomes are decided
// requests: a reply, or a loss (timeout, ICMP error, failed send); a
// request still waiting is in neither. Its methods are safe for concurrent
// use.
type Echoes struct {
	cfg     EchoConfig
	targets []Target

	mu sync.Mutex
	st []*echoTarget
}

// EchoTotals are a target's counts since the stream started.
type EchoTotals struct {
	Sent     uint64 // decided requests
	Received uint64
	Errors   uint64 // lost to an ICMP error
	// RTTSum and Buckets are the histogram of the replies' RTTs: Buckets[i]
	// counts replies of at most the i-th bound (not cumulative), and one
	// more entry those above the last.
	RTTSum  time.Duration
	Buckets []uint64
	// KernelStamps counts replies timed by the kernel's receive stamp.
	KernelStamps uint64
	// Invalid counts the messages for the target that failed a check (a
	// forged reply or error), by cause, as ping's invalid_by_cause.
	Invalid icmpmsg.Counts
}

// EchoRound is a target's outcomes decided since a mark.
type EchoRound struct {
	Sent, Received int
	RTTs           []time.Duration // in the order they arrived
	// Mark is where the next round starts (Totals' Sent now).
	Mark uint64
}

// outcome is one decided request in 4 bytes (254 targets' windows of 300
// take 300 KB): its RTT in microseconds (saturating at 71 minutes), or
// lostRTT.
type outcome struct {
	rtt uint32
}

const lostRTT = math.MaxUint32

func (o outcome) lost() bool { return o.rtt == lostRTT }

func (o outcome) duration() time.Duration { return time.Duration(o.rtt) * time.Microsecond }

func microseconds(d time.Duration) uint32 {
	return uint32(min(max(d.Round(time.Microsecond)/time.Microsecond, 0), lostRTT-1))
}

type echoTarget struct {
	ring  []outcome
	next  int // where the next outcome goes
	n     int // outcomes in the ring
	total EchoTotals
	errs  []probe.ErrorCount
}

// NewEchoes checks cfg and the targets; Run sends.
func NewEchoes(targets []Target, cfg EchoConfig) (*Echoes, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if len(targets) == 0 || len(targets) > probe.MaxTargets {
		return nil, fmt.Errorf("check: %d echo targets, want 1..%d", len(targets), probe.MaxTargets)
	}
	e := &Echoes{cfg: cfg, targets: targets}
	for range targets {
		e.st = append(e.st, &echoTarget{ring: make([]outcome, cfg.Window), total: EchoTotals{Buckets: make([]uint64, len(cfg.Buckets)+1)}})
	}
	return e, nil
}

// Config is the configuration in force.
func (e *Echoes) Config() EchoConfig { return e.cfg }

// Targets are the stream's targets, in the order of their indexes.
func (e *Echoes) Targets() []Target { return e.targets }

// Run streams until ctx ends, one epoch after another, and returns nil
// then. It returns the first epoch's error at once (no permission, a bad
// source address); a later epoch that fails is logged and retried an
// interval later.
func (e *Echoes) Run(ctx context.Context) error {
	pts := make([]probe.Target, len(e.targets))
	for i, t := range e.targets {
		pts[i] = probe.Target{Name: t.Name, Addr: t.Addr}
	}
	pc := probe.DefaultConfig()
	pc.Count, pc.Interval, pc.Timeout = e.cfg.epoch(), e.cfg.Interval, e.cfg.Timeout
	pc.Mode, pc.Source, pc.Interface = e.cfg.Mode, e.cfg.Source, e.cfg.Interface
	// Every target gets its request each interval, however many.
	pc.Rate = max(pc.Rate, 2*float64(len(pts))/e.cfg.Interval.Seconds())
	var wg sync.WaitGroup
	defer wg.Wait()
	period := time.Duration(pc.Count) * e.cfg.Interval
	timer := time.NewTimer(0)
	defer timer.Stop()
	for epoch := 0; ; epoch++ {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		timer.Reset(period)
		ready := make(chan struct{})
		cfg := pc
		cfg.OnReady, cfg.OnEvent = func() { close(ready) }, e.epoch(len(pts))
		errc := make(chan error, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := probe.Ping(ctx, cfg, pts)
			errc <- err
		}()
		select {
		case <-ready:
		case err := <-errc:
			if epoch == 0 {
				return fmt.Errorf("check: echo stream: %w", echoErr(err))
			}
			e.cfg.Logger.Warn("check: echo stream epoch failed; retrying", "err", err)
			timer.Reset(e.cfg.Interval)
		case <-ctx.Done():
			return nil
		}
	}
}

// epoch returns the event handler of one epoch of n targets: each event
// carries its target's rejections so far in the epoch (its own engine),
// and what is new of them adds to the totals.
func (e *Echoes) epoch(n int) func(probe.Event) {
	seen := make([]icmpmsg.Counts, n)
	return func(ev probe.Event) {
		if ev.Target < 0 || ev.Target >= len(e.st) || ev.Target >= n {
			return
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		t := e.st[ev.Target]
		for c, k := range ev.Rejected {
			t.total.Invalid.Add(icmpmsg.Cause(c), k-seen[ev.Target][c])
		}
		seen[ev.Target] = ev.Rejected
		t.event(ev, e.cfg.Buckets)
	}
}

// event turns one of the ping engine's events into an outcome.
func (t *echoTarget) event(ev probe.Event, bounds []float64) {
	switch ev.Kind {
	case probe.EventReply:
		t.add(outcome{rtt: microseconds(ev.RTT)}, ev.RTT, bounds, ev.KernelTime)
	case probe.EventTimeout, probe.EventSendError:
		t.add(outcome{rtt: lostRTT}, 0, bounds, false)
	case probe.EventError:
		t.add(outcome{rtt: lostRTT}, 0, bounds, false)
		t.total.Errors++
		t.countError(ev)
	}
}

// add records o; rtt is the reply's exact RTT, for the totals.
func (t *echoTarget) add(o outcome, rtt time.Duration, bounds []float64, kernel bool) {
	t.ring[t.next] = o
	t.next = (t.next + 1) % len(t.ring)
	t.n = min(t.n+1, len(t.ring))
	t.total.Sent++
	if o.lost() {
		return
	}
	t.total.Received++
	t.total.RTTSum += rtt
	if kernel {
		t.total.KernelStamps++
	}
	t.total.Buckets[bucket(bounds, rtt.Seconds())]++
}

// bucket is the index of the first bound at or above v (len(bounds) past
// the last).
func bucket(bounds []float64, v float64) int {
	lo, hi := 0, len(bounds)
	for lo < hi {
		m := (lo + hi) / 2
		if bounds[m] >= v {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// countError counts an ICMP error by type, code and sender, the first
// MaxEchoErrorKinds kinds apart and the rest together.
func (t *echoTarget) countError(ev probe.Event) {
	from := ev.From.String()
	for i := range t.errs {
		if c := &t.errs[i]; c.Type == ev.ErrType && c.Code == ev.ErrCode && c.From == from {
			c.Count++
			return
		}
	}
	if len(t.errs) >= MaxEchoErrorKinds {
		from, ev.ErrType, ev.ErrCode = "other", -1, -1
		for i := range t.errs {
			if t.errs[i].From == from {
				t.errs[i].Count++
				return
			}
		}
	}
	t.errs = append(t.errs, probe.ErrorCount{Type: ev.ErrType, Code: ev.ErrCode, From: from, Count: 1})
}

// each calls fn with target i's outcomes in the window, oldest first.
func (t *echoTarget) each(fn func(outcome)) {
	start := (t.next - t.n + len(t.ring)) % len(t.ring)
	for k := range t.n {
		fn(t.ring[(start+k)%len(t.ring)])
	}
}

// Window is target i's evidence for the rules: its last outcomes (up to
// EchoConfig.Window), the RTTs in the order they arrived.
func (e *Echoes) Window(i int) *diagnose.Echo {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.st[i]
	out := &diagnose.Echo{Interval: e.cfg.Interval, RTTs: make([]time.Duration, 0, t.n)}
	t.each(func(o outcome) {
		out.Sent++
		if !o.lost() {
			out.Received++
			out.RTTs = append(out.RTTs, o.duration())
		}
	})
	if len(t.errs) > 0 {
		out.Errors = append([]probe.ErrorCount(nil), t.errs...)
	}
	return out
}

// Since is target i's outcomes decided after mark, the Mark of the round
// before (0: since the start), as far as the window reaches back.
func (e *Echoes) Since(i int, mark uint64) EchoRound {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.st[i]
	r := EchoRound{Mark: t.total.Sent}
	// The window holds outcomes number Sent-n+1 … Sent.
	first := t.total.Sent - uint64(t.n) + 1
	k := uint64(0)
	t.each(func(o outcome) {
		k++
		if first+k-1 <= mark {
			return
		}
		r.Sent++
		if !o.lost() {
			r.Received++
			r.RTTs = append(r.RTTs, o.duration())
		}
	})
	return r
}

// Totals are target i's counts since the stream started.
func (e *Echoes) Totals(i int) EchoTotals {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.st[i].total
	t.Buckets = append([]uint64(nil), t.Buckets...)
	return t
}
