package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
	"github.com/urfave/cli/v2"

	"netdx/check"
	"netdx/trace"
	"netdx/tui"
)

var liveFlag = &cli.BoolFlag{Name: "live", Usage: "full-screen live view, mtr's screen with diagnose's verdict, a tab per TARGET " +
	"(ICMP unless -P; --interval between rounds, -c N quits after N rounds; keys: q p r n d j, tab)"}

// maxLiveTargets bounds the tabs of one live view.
const maxLiveTargets = 16

// liveFlags maps the fields of a stream's config to trace's flags.
var liveFlags = configFlags["trace"].with("RoundInterval", "--interval")

var _ configError = (*check.ConfigError)(nil)

// traceLive is `netdx trace --live TARGET...`: flags → one stream per
// target → the view until q, Ctrl-C, -c rounds or a signal → the terminal
// as it was, then each target's report (the --report text of the rounds
// on screen) on stdout → exit code (0 every target answered, 2 one did
// not, 3 bad input).
func traceLive(c *cli.Context) error {
	if c.NArg() < 1 || c.NArg() > maxLiveTargets {
		return usageError("netdx trace: --live wants 1 to %d TARGETs (see netdx trace --help)", maxLiveTargets)
	}
	for _, f := range []string{"report", "mtu"} {
		if c.Bool(f) {
			return usageError("netdx trace: --live and --%s exclude each other", f)
		}
	}
	if wantJSON(c) {
		return usageError("netdx trace: --live draws a screen; --json is for plain and --report traces")
	}
	cfg, rounds, interval, err := traceConfig(c)
	if err != nil {
		return err
	}
	if c.IsSet("interval") && interval == 0 {
		interval = explicitZero // a report takes 0 as no pause; rounds on a screen refuse it
	}
	if err := cfg.Validate(netip.Addr{}); err != nil {
		return failure(c, liveFlags, err)
	}
	if c.IsSet("c") {
		if err := trace.ValidateReport(rounds, max(interval, 0)); err != nil {
			return failure(c, liveFlags, err)
		}
	} else {
		rounds = 0
	}
	sc := check.StreamConfig{Trace: cfg, RoundInterval: interval, Mode: cfg.Mode}
	if _, err := sc.WithDefaults(); err != nil {
		return failure(c, liveFlags, err)
	}
	family, err := addrFamily(c)
	if err != nil {
		return err
	}
	out, ok := c.App.Writer.(*os.File)
	if !ok || !term.IsTerminal(out.Fd()) {
		return usageError("netdx trace: --live draws on a terminal and stdout is not one (use --report for text)")
	}
	var targets []check.Target
	for _, name := range c.Args().Slice() {
		addr, err := resolve(c.Context, name, family)
		if err != nil {
			return withCode(exitUnknown, fmt.Errorf("netdx trace: %s: %w", name, err))
		}
		targets = append(targets, check.Target{Name: name, Addr: addr})
	}
	numeric := c.Bool("n")
	names := &trace.Names{}
	defer names.Close()
	if !numeric {
		sc.Trace.OnAnswer = names.Prefetch
	}
	v := &liveView{names: names, numeric: numeric, ready: make(chan struct{}, len(targets))}
	sc.OnReady = func() { v.ready <- struct{}{} }
	for _, t := range targets {
		s, err := check.NewStream(t, sc)
		if err != nil {
			return failure(c, liveFlags, err)
		}
		v.streams = append(v.streams, s)
	}
	eff, _ := sc.WithDefaults()
	var tabs []tui.Target
	for _, t := range targets {
		tabs = append(tabs, tui.Target{Name: t.Name, Addr: t.Addr})
	}
	model := tui.New(tui.Config{Targets: tabs, Control: v, Numeric: numeric, Protocol: eff.Trace.Protocol,
		Interval: eff.RoundInterval, Rounds: rounds})
	prog := tea.NewProgram(model, tea.WithContext(c.Context), tea.WithoutSignalHandler(), tea.WithAltScreen(),
		tea.WithOutput(out), tea.WithFPS(liveFPS))
	if err := v.start(c.Context, prog); err != nil {
		return failure(c, liveFlags, err)
	}
	// Every socket is open: the capabilities go before the first answer
	// is read.
	dropCaps(c.App.ErrWriter, "trace")()
	_, err = prog.Run()
	v.stop()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return withCode(exitUnknown, fmt.Errorf("netdx trace: live view: %w", err))
	}
	// The terminal is as it was: what was on screen, as --report prints it.
	reached := true
	r := &traceRenderer{w: c.App.Writer, numeric: numeric, names: names}
	for _, s := range v.streams {
		rep := liveReport(s)
		r.report(rep)
		reached = reached && rep.Reached
	}
	return withCode(traceCode(reached), nil)
}

// liveFPS caps the redraws a second (the screen changes once a round; keys
// answer within a frame).
const liveFPS = 20

// liveReport is a stream's window as trace --report reads it.
func liveReport(s *check.Stream) trace.Report {
	ev := s.Snapshot().Evidence
	rep := trace.Summarize(ev.Rounds)
	rep.Target, rep.Addr, rep.Protocol = s.Target().Name, s.Target().Addr, s.Config().Trace.Protocol
	if rep.Hops == nil {
		rep.Hops = []trace.ReportHop{}
	}
	if rep.EndReason == "" {
		rep.EndReason = trace.EndCanceled
	}
	return rep
}

// liveView runs the streams behind the view: it feeds their snapshots and
// the names of their hops to the program, and pauses and resets them for
// it (tui.Control).
type liveView struct {
	streams []*check.Stream
	names   *trace.Names
	numeric bool
	ready   chan struct{} // a stream's sockets are open

	cancel  context.CancelFunc
	running sync.WaitGroup // the streams
	namer   sync.WaitGroup // the lookups
	lookup  chan netip.Addr
	mu      sync.Mutex
	asked   map[netip.Addr]bool
}

// Pause and Reset act on every stream, as mtr's keys act on its one.
func (v *liveView) Pause(p bool) {
	for _, s := range v.streams {
		s.Pause(p)
	}
}

func (v *liveView) Reset() {
	for _, s := range v.streams {
		s.Reset()
	}
}

// start runs the streams and returns once every one has its sockets open,
// or with the first error (no permission, a source the host does not
// have), every stream stopped.
func (v *liveView) start(ctx context.Context, prog *tea.Program) error {
	ctx, v.cancel = context.WithCancel(ctx)
	n := len(v.streams)
	failed := make(chan error, n)
	v.lookup, v.asked = make(chan netip.Addr, 256), map[netip.Addr]bool{}
	v.namer.Add(1)
	go v.lookupNames(prog)
	for i, s := range v.streams {
		v.running.Add(1)
		go func() {
			defer v.running.Done()
			err := s.Run(ctx, func(sn check.Snapshot) {
				v.askNames(sn)
				prog.Send(tui.SnapshotMsg{Tab: i, Snapshot: sn})
			})
			if err != nil {
				failed <- err
				prog.Send(tui.ErrorMsg{Tab: i, Err: err})
			}
		}()
	}
	for range n {
		select {
		case <-v.ready:
		case err := <-failed:
			prog.Kill() // nothing waits in Send any more
			v.stop()
			return err
		case <-ctx.Done():
			return nil // interrupted: the program, run next, ends at once
		}
	}
	return nil
}

// askNames queues the reverse lookups of the addresses a snapshot's last
// round shows for the first time.
func (v *liveView) askNames(sn check.Snapshot) {
	if v.numeric || len(sn.Evidence.Rounds) == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, h := range sn.Evidence.Rounds[len(sn.Evidence.Rounds)-1].Hops {
		for _, p := range h.Probes {
			if !p.Answered() || v.asked[p.Addr] || len(v.asked) >= maxLiveNames {
				continue
			}
			select {
			case v.lookup <- p.Addr:
				v.asked[p.Addr] = true
			default: // asked again with a later round
			}
		}
	}
}

// maxLiveNames bounds the addresses looked up (they come from the
// network).
const maxLiveNames = 4096

func (v *liveView) lookupNames(prog *tea.Program) {
	defer v.namer.Done()
	for a := range v.lookup {
		if n := v.names.Name(a, nameWait); n != "" {
			prog.Send(tui.NameMsg{Addr: a, Name: n})
		}
	}
}

// stop ends the streams, then the lookups they asked for, and waits for
// them.
func (v *liveView) stop() {
	if v.cancel == nil {
		return
	}
	v.cancel()
	v.cancel = nil
	v.running.Wait()
	close(v.lookup)
	v.namer.Wait()
}
