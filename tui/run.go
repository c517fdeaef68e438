package tui

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"netdx/check"
	"netdx/trace"
)

// Options of Run; View starts from DefaultConfig. The other fields' zero
// values: no names, until q or the context ends.
type Options struct {
	// View configures the model; Run fills in its Targets, Control,
	// Protocol and Interval.
	View Config
	// Output is the terminal drawn on.
	Output *os.File
	// Names looks up the hops' names (nil: numeric, as -n).
	Names *trace.Names
	// OnReady, if set, runs once every stream's sockets are open, before
	// the screen is drawn (to drop privileges).
	OnReady func()
}

// fps caps the redraws a second (the screen changes once a round; keys
// answer within a frame).
const fps = 20

// Run streams the paths to targets (one check.Stream each, with sc) and
// shows them until q, Ctrl-C, View.Rounds rounds or the end of ctx, then
// restores the terminal and returns each stream's last evidence, in the
// order of targets. A stream that cannot start (no permission, a source
// address the host does not have) fails Run before anything is drawn;
// one that stops later is said on its tab. No goroutine it starts
// outlives it.
func Run(ctx context.Context, targets []check.Target, sc check.StreamConfig, opt Options) ([]check.Snapshot, error) {
	sh := &shell{names: opt.Names, ready: make(chan struct{}, len(targets))}
	if sh.names != nil {
		sc.Trace.OnAnswer = sh.names.Prefetch
	}
	sc.OnReady = func() { sh.ready <- struct{}{} }
	for _, t := range targets {
		s, err := check.NewStream(t, sc)
		if err != nil {
			return nil, err
		}
		sh.streams = append(sh.streams, s)
	}
	vc := opt.View
	vc.Targets, vc.Control, vc.Protocol, vc.Interval = nil, sh, sc.Trace.Protocol, sc.RoundInterval
	vc.Numeric = vc.Numeric || sh.names == nil
	for _, t := range targets {
		vc.Targets = append(vc.Targets, Target{Name: t.Name, Addr: t.Addr})
	}
	prog := tea.NewProgram(New(vc), tea.WithContext(ctx), tea.WithoutSignalHandler(),
		tea.WithOutput(opt.Output), tea.WithFPS(fps))
	if err := sh.start(ctx, prog); err != nil {
		return nil, err
	}
	if opt.OnReady != nil {
		opt.OnReady()
	}
	_, err := prog.Run()
	sh.stop()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return nil, fmt.Errorf("tui: %w", err)
	}
	var out []check.Snapshot
	for _, s := range sh.streams {
		out = append(out, s.Snapshot())
	}
	return out, nil
}

// shell runs the streams behind the view: it feeds their snapshots and the
// names of their hops to the program, and pauses and resets them for it
// (Control).
type shell struct {
	streams []*check.Stream
	names   *trace.Names
	ready   chan struct{} // a stream's sockets are open

	cancel  context.CancelFunc
	running sync.WaitGroup // the streams
	namer   sync.WaitGroup // the lookups
	lookup  chan netip.Addr
	mu      sync.Mutex
	asked   map[netip.Addr]bool
}

// Pause and Reset act on every stream, as mtr's keys act on its one.
func (sh *shell) Pause(p bool) {
	for _, s := range sh.streams {
		s.Pause(p)
	}
}

func (sh *shell) Reset() {
	for _, s := range sh.streams {
		s.Reset()
	}
}

// start runs the streams and returns once every one has its sockets open,
// or with the first error, every stream stopped.
func (sh *shell) start(ctx context.Context, prog *tea.Program) error {
	ctx, sh.cancel = context.WithCancel(ctx)
	n := len(sh.streams)
	failed := make(chan error, n)
	sh.lookup, sh.asked = make(chan netip.Addr, 256), map[netip.Addr]bool{}
	sh.namer.Add(1)
	go sh.lookupNames(prog)
	for i, s := range sh.streams {
		sh.running.Add(1)
		go func() {
			defer sh.running.Done()
			err := s.Run(ctx, func(sn check.Snapshot) {
				sh.askNames(sn)
				prog.Send(SnapshotMsg{Tab: i, Snapshot: sn})
			})
			if err != nil {
				failed <- err
				prog.Send(ErrorMsg{Tab: i, Err: err})
			}
		}()
	}
	for range n {
		select {
		case <-sh.ready:
		case err := <-failed:
			prog.Kill() // nothing waits in Send any more
			sh.stop()
			return err
		case <-ctx.Done():
			return nil // interrupted: the program, run next, ends at once
		}
	}
	return nil
}

// maxLookups bounds the addresses looked up (they come from the network).
const maxLookups = 4096

// askNames queues the reverse lookups of the addresses a snapshot's last
// round shows for the first time.
func (sh *shell) askNames(sn check.Snapshot) {
	if sh.names == nil || len(sn.Evidence.Rounds) == 0 {
		return
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, h := range sn.Evidence.Rounds[len(sn.Evidence.Rounds)-1].Hops {
		for _, p := range h.Probes {
			if !p.Answered() || sh.asked[p.Addr] || len(sh.asked) >= maxLookups {
				continue
			}
			select {
			case sh.lookup <- p.Addr:
				sh.asked[p.Addr] = true
			default: // asked again with a later round
			}
		}
	}
}

// nameWait bounds the wait for one name on the lookup goroutine.
const nameWait = 2 * time.Second

func (sh *shell) lookupNames(prog *tea.Program) {
	defer sh.namer.Done()
	for a := range sh.lookup {
		if n := sh.names.Name(a, nameWait); n != "" {
			prog.Send(NameMsg{Addr: a, Name: n})
		}
	}
}

// stop ends the streams, then the lookups they asked for, and waits for
// them.
func (sh *shell) stop() {
	if sh.cancel == nil {
		return
	}
	sh.cancel()
	sh.cancel = nil
	sh.running.Wait()
	close(sh.lookup)
	sh.namer.Wait()
}
