package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"netdx/check"
	"netdx/diagnose"
	"netdx/trace"
	"netdx/watch/audit"
	"netdx/watch/record"
)

// Sink receives every record of the watch: the journal, syslog, the
// --on-finding trigger. Write must not block (sinks queue); an error
// wrapping ErrStop ends the watch.
type Sink interface {
	Write(r record.Record) error
}

// ErrStop, wrapped by a sink's error, ends the watch: the sink can take
// no more records and the operator asked to stop then (journal --on-full
// stop).
var ErrStop = errors.New("watch: a sink asked to stop")

// Watcher runs the checks continuously. Run it once; Status may be called
// from any goroutine at any time.
type Watcher struct {
	cfg    Config
	log    *slog.Logger
	echoes *check.Echoes
	host   *check.HostSampler
	audit  *audit.Auditor

	sinkMu  sync.Mutex
	sinkErr error // the ErrStop that ends the watch
	written []SinkStats

	mu     sync.Mutex
	status Status
	paths  []pathState
	hyst   Hysteresis
	snaps  []snapState

	bg sync.WaitGroup // snapshots being taken
}

// pathState is a target's latest path rounds.
type pathState struct {
	rounds []trace.Result
	report *trace.Report // the rounds summarized
	at     time.Time
	err    string
	// invalid counts the answers that failed a check in every path
	// rounds of the target so far, by cause (a new map at each change).
	invalid map[string]int
}

// New checks cfg and prepares a watch; nothing is sent before Run.
func New(cfg Config) (*Watcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Hostname == "" {
		cfg.Hostname, _ = os.Hostname()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	w := &Watcher{cfg: cfg, log: cfg.Logger, paths: make([]pathState, len(cfg.Targets)),
		snaps: make([]snapState, len(cfg.Targets)), written: make([]SinkStats, len(cfg.Sinks)),
		hyst: Hysteresis{RaiseAfter: cfg.RaiseAfter, ClearAfter: cfg.ClearAfter, MinSeverity: diagnose.Warning}}
	if cfg.RaiseInfo {
		w.hyst.MinSeverity = diagnose.Info
	}
	var err error
	if len(cfg.Targets) > 0 {
		if w.echoes, err = check.NewEchoes(cfg.Targets, cfg.Echo); err != nil {
			return nil, err
		}
	}
	if cfg.Host != nil {
		if w.host, err = check.NewHostSampler(*cfg.Host); err != nil {
			return nil, err
		}
	}
	if cfg.Audit != nil {
		ac := *cfg.Audit
		if ac.Interval == 0 {
			ac.Interval = cfg.Interval
		}
		if ac.Logger == nil {
			ac.Logger = cfg.Logger
		}
		if w.audit, err = audit.New(ac); err != nil {
			return nil, err
		}
	}
	w.status.Targets = make([]TargetStatus, len(cfg.Targets))
	for i, t := range cfg.Targets {
		w.status.Targets[i] = TargetStatus{Target: t.Name, Addr: t.Addr.String()}
	}
	return w, nil
}

// Config is the configuration in force.
func (w *Watcher) Config() Config { return w.cfg }

// Audit is the connection audit, nil when none runs.
func (w *Watcher) Audit() *audit.Auditor { return w.audit }

// Run watches until ctx ends, then returns nil; or returns the error that
// stopped it (the echo streams could not start, a sink asked to stop). The
// sinks are the caller's to flush and close afterwards.
func (w *Watcher) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	defer w.bg.Wait()
	defer wg.Wait()
	fail := func(err error) { cancel(err) }
	if w.echoes != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.echoes.Run(ctx); err != nil {
				fail(err)
			}
		}()
		if w.cfg.PathInterval != Never {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.tracePaths(ctx)
			}()
		}
	}
	if w.audit != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := w.audit.Run(ctx, func(r record.Record) { w.emit(ctx, r, fail) })
			if err != nil && ctx.Err() == nil {
				fail(fmt.Errorf("watch: connection audit: %w", err))
			}
		}()
	}
	w.loop(ctx, fail)
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// loop judges the evidence every interval.
func (w *Watcher) loop(ctx context.Context, fail func(error)) {
	tick := time.NewTicker(w.cfg.Interval)
	defer tick.Stop()
	lastRound, seq := time.Now(), uint64(0)
	marks := make([]roundMark, len(w.cfg.Targets))
	for {
		select {
		case <-ctx.Done():
			// A stop does not lose what was measured since the last
			// round: one more, however short (its counts say how
			// short).
			if w.cfg.RoundEvery != Never && w.echoes != nil {
				if r := w.round(seq+1, marks); r.Sent() > 0 {
					w.emit(ctx, record.Record{Time: time.Now(), Kind: record.KindRound, Round: r}, fail)
				}
			}
			return
		case <-tick.C:
		}
		now := time.Now()
		w.evaluate(ctx, now, fail)
		if w.cfg.RoundEvery != Never && w.echoes != nil && now.Sub(lastRound) >= w.cfg.RoundEvery {
			seq++
			w.emit(ctx, record.Record{Time: now, Kind: record.KindRound, Round: w.round(seq, marks)}, fail)
			lastRound = now
		}
	}
}

// evaluate reads the host, puts each target's evidence together, applies
// diagnose's rules and the hysteresis, and hands the changes to the sinks.
// The rules are diagnose's own (Host and Path, as Diagnose applies them);
// each target's window is judged and dropped in turn, so that an
// evaluation of hundreds of targets never holds all their evidence at once.
func (w *Watcher) evaluate(ctx context.Context, now time.Time, fail func(error)) {
	var findings []diagnose.Finding
	judged := map[string]bool{}
	var snap diagnose.LinkEvidence
	incomplete := false
	if w.host != nil {
		s, table, err := w.host.Sample(ctx)
		if err != nil {
			incomplete = true
			w.log.Warn("watch: host check failed", "err", err)
		} else {
			snap = s
			judged["host"] = true
			findings = append(findings, diagnose.Host(s, table, w.cfg.Rules)...)
		}
	}
	w.mu.Lock()
	paths := append([]pathState(nil), w.paths...)
	w.mu.Unlock()
	windows := make([]windowStatus, len(w.cfg.Targets))
	var crossing map[int]string
	for i, t := range w.cfg.Targets {
		e := w.echoes.Window(i)
		windows[i] = windowOf(e)
		if reason := crossed(w.cfg.Snapshot, e, w.cfg.MinSample); reason != "" {
			if crossing == nil {
				crossing = map[int]string{}
			}
			crossing[i] = reason
		}
		if e.Sent < w.cfg.MinSample {
			continue // too few outcomes to judge yet
		}
		judged["path "+t.Name] = true
		findings = append(findings, diagnose.Path(diagnose.PathEvidence{Target: t.Name, Addr: t.Addr,
			Protocol: w.cfg.Path.Trace.Protocol, Rounds: paths[i].rounds, Echo: e}, w.cfg.Rules)...)
	}
	diagnose.Sort(findings)
	overall := diagnose.Overall(findings, incomplete)
	w.mu.Lock()
	changes := w.hyst.Observe(now, findings, func(scope string) bool { return judged[scope] })
	w.status.update(now, overall, snap, w.host != nil, incomplete, w.hyst.Raised(), changes)
	for i := range w.cfg.Targets {
		w.status.Targets[i].set(windows[i], paths[i])
	}
	snaps := w.snapshotsDue(now, crossing)
	w.mu.Unlock()
	for _, c := range changes {
		f := c.Finding
		w.emit(ctx, record.Record{Time: now, Kind: c.Kind, Finding: &f, Since: c.Since}, fail)
	}
	for i, reason := range snaps {
		w.takeSnapshot(ctx, i, reason, fail)
	}
}

// emit stamps r and hands it to every sink.
func (w *Watcher) emit(ctx context.Context, r record.Record, fail func(error)) {
	if r.Host == "" {
		r.Host = w.cfg.Hostname
	}
	w.sinkMu.Lock()
	defer w.sinkMu.Unlock()
	for i, s := range w.cfg.Sinks {
		if err := s.Write(r); err != nil {
			w.written[i].Failed++
			if errors.Is(err, ErrStop) && w.sinkErr == nil {
				w.sinkErr = err
				w.log.Error("watch: a sink asked to stop the watch", "err", err)
				fail(err)
			}
			continue
		}
		w.written[i].Written++
	}
}

// tracePaths runs each target's path rounds every PathInterval, the
// targets spread over it, at most PathConcurrency at once.
func (w *Watcher) tracePaths(ctx context.Context) {
	n := len(w.cfg.Targets)
	slots := make(chan struct{}, w.cfg.PathConcurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	step := w.cfg.PathInterval / time.Duration(n)
	next := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for k := 0; ; k++ {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		i := k % n
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			ev, err := check.Path(ctx, w.cfg.Targets[i], w.cfg.pathCheck())
			if ctx.Err() != nil {
				return
			}
			ps := pathState{rounds: ev.Rounds, at: time.Now()}
			if len(ps.rounds) > 0 {
				r := trace.Summarize(ps.rounds)
				ps.report = &r
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			ps.invalid = w.paths[i].invalid
			if ps.report != nil && len(ps.report.InvalidByCause) > 0 {
				ps.invalid = addCounts(ps.invalid, ps.report.InvalidByCause)
			}
			if err != nil {
				w.log.Warn("watch: path rounds failed", "target", w.cfg.Targets[i].Name, "err", err)
				if len(ps.rounds) == 0 {
					// The last rounds stay the evidence.
					w.paths[i].err, w.paths[i].at = err.Error(), ps.at
					return
				}
				ps.err = err.Error()
			}
			w.paths[i] = ps
		}()
		next = next.Add(step)
		timer.Reset(max(time.Until(next), 0))
	}
}
