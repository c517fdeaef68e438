package daemon

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"netdx/trace"
	"netdx/watch"
	"netdx/watch/audit"
	"netdx/watch/metrics"
)

// Config is a watch run as a daemon.
type Config struct {
	// Watch is the watch's configuration; its Sinks are the Outputs,
	// opened by Run.
	Watch   watch.Config
	Outputs []Output
	// Listener, when set, serves /metrics and /probe until the watch
	// ends; Run closes it.
	Listener net.Listener
	// Probe configures /probe; its modules judge with Watch.Rules and
	// trace as Watch.Path.Trace does (protocol, port, max TTL).
	Probe metrics.ProbeConfig
}

// watcher is what Run needs of a watch.Watcher.
type watcher interface {
	metrics.Source
	Run(ctx context.Context) error
	Audit() *audit.Auditor
}

var _ watcher = (*watch.Watcher)(nil)

// newWatcher starts a watch.
func newWatcher(cfg watch.Config) (watcher, error) {
	w, err := watch.New(cfg)
	if err != nil {
		return nil, err
	}
	return w, nil
}

// Run opens the outputs, runs the watch with them until ctx ends, and
// closes everything. It returns the error of the first output that could
// not be opened, of the watch (watch.New's or Run's) or, after a run that
// went well, of closing the sinks.
func Run(ctx context.Context, cfg Config) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return run(ctx, cfg, hup, newWatcher)
}

// run is Run with the hang-ups and the watch given.
func run(ctx context.Context, cfg Config, hup <-chan os.Signal, start func(watch.Config) (watcher, error)) error {
	log := cmp.Or(cfg.Watch.Logger, slog.Default())
	s, err := open(cfg.Outputs, log)
	if err != nil {
		closeListener(cfg.Listener)
		return err
	}
	wc := cfg.Watch
	wc.Sinks = s.watchSinks()
	w, err := start(wc)
	if err != nil {
		s.close()
		closeListener(cfg.Listener)
		return err
	}
	stopServing := serve(cfg, w, s, log)
	stopReopening := s.reopenOn(hup)
	runErr := w.Run(ctx)
	stopReopening()
	stopServing()
	closeErr := s.close()
	if runErr != nil {
		return runErr
	}
	if closeErr != nil {
		return fmt.Errorf("daemon: closing the sinks: %w", closeErr)
	}
	return nil
}

func closeListener(ln net.Listener) {
	if ln != nil {
		ln.Close()
	}
}

// probeConfig is cfg.Probe with its modules judging and tracing as the
// watch does.
func probeConfig(cfg Config) metrics.ProbeConfig {
	pc := cfg.Probe
	pc.Modules.Rules = cfg.Watch.Rules
	wt := cfg.Watch.Path.Trace
	for _, t := range []*trace.Config{&pc.Modules.Trace.Trace, &pc.Modules.Path.Trace} {
		t.Protocol, t.Port, t.MaxTTL = wt.Protocol, wt.Port, wt.MaxTTL
	}
	return pc
}
