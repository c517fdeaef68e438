package daemon

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"netdx/trace"
	"netdx/watch"
	"netdx/watch/audit"
	"netdx/watch/backlog"
	"netdx/watch/record"
)

// events records what the fakes were asked to do, in order.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	e.log = append(e.log, s)
	e.mu.Unlock()
}

func (e *events) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.log)
}

// fakeSink is a sink that records its calls; writeErr and closeErr are
// what Write and Close return.
type fakeSink struct {
	name               string
	ev                 *events
	dropped            uint64
	writeErr, closeErr error
}

func (f *fakeSink) Write(record.Record) error { f.ev.add("write " + f.name); return f.writeErr }
func (f *fakeSink) Close() error              { f.ev.add("close " + f.name); return f.closeErr }
func (f *fakeSink) Dropped() uint64           { return f.dropped }

// fakeFile is a sink with a file to reopen.
type fakeFile struct{ fakeSink }

func (f *fakeFile) Reopen() error { f.ev.add("reopen " + f.name); return nil }

func output(s Sink, name string) Output {
	return Output{Name: name, Open: func() (Sink, error) { return s, nil }}
}

// fakeWatch writes one record to each sink as it starts (so that its
// status says so before the endpoint serves it), then runs until its
// context ends, or ends at once on a sink's ErrStop as the watch does.
type fakeWatch struct {
	written []watch.SinkStats
	stop    error
}

func startFake(cfg watch.Config) (watcher, error) {
	w := &fakeWatch{written: make([]watch.SinkStats, len(cfg.Sinks))}
	for i, s := range cfg.Sinks {
		err := s.Write(record.Record{Kind: record.KindNotice})
		if errors.Is(err, watch.ErrStop) {
			w.stop = err
			break
		}
		w.written[i].Written++
	}
	return w, nil
}

func (w *fakeWatch) Run(ctx context.Context) error {
	if w.stop != nil {
		return w.stop
	}
	<-ctx.Done()
	return nil
}

func (w *fakeWatch) Status() watch.Status  { return watch.Status{Sinks: slices.Clone(w.written)} }
func (w *fakeWatch) Audit() *audit.Auditor { return nil }

func quiet() watch.Config {
	cfg := watch.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	return cfg
}

// TestRun: the sinks open in order, the watch writes to them, /metrics
// names each with its counts, SIGHUP reopens the one with a file, and the
// end closes them last first and the endpoint with them.
func TestRun(t *testing.T) {
	ev := &events{}
	journal := &fakeFile{fakeSink{name: "journal", ev: ev}}
	syslog := &fakeSink{name: "syslog", ev: ev, dropped: 7}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hup := make(chan os.Signal)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, Config{Watch: quiet(), Outputs: []Output{output(journal, "journal"), output(syslog, "syslog")}, Listener: ln},
			hup, startFake)
	}()
	page := get(t, "http://"+ln.Addr().String()+"/metrics")
	for _, want := range []string{`netdx_sink_records_total{sink="journal"} 1`, `netdx_sink_records_total{sink="syslog"} 1`,
		`netdx_sink_records_dropped_total{sink="syslog"} 7`, `netdx_sink_records_dropped_total{sink="journal"} 0`} {
		if !strings.Contains(page, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	hup <- syscall.SIGHUP // taken once the reopening runs
	hup <- syscall.SIGHUP // handed over once the first is done
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	want := []string{"write journal", "write syslog", "reopen journal", "reopen journal", "close syslog", "close journal"}
	if got := ev.all(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/metrics"); err == nil {
		t.Error("the endpoint still answers after the run")
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}

// TestRunFailures: an output that cannot open, a watch that cannot start,
// a sink whose backlog stopped and a sink that cannot close: each run
// returns its error, and every sink opened is closed.
func TestRunFailures(t *testing.T) {
	errOpen, errStart, errClose := errors.New("open: no space"), errors.New("watch: no host"), errors.New("sync: I/O error")
	for _, tc := range []struct {
		name    string
		outputs func(ev *events) []Output
		start   func(watch.Config) (watcher, error)
		want    []error
		calls   []string
	}{
		{"open", func(ev *events) []Output {
			return []Output{output(&fakeSink{name: "a", ev: ev}, "a"), {Name: "b", Open: func() (Sink, error) { return nil, errOpen }}}
		}, startFake, []error{errOpen}, []string{"close a"}},
		{"start", func(ev *events) []Output { return []Output{output(&fakeSink{name: "a", ev: ev}, "a")} },
			func(watch.Config) (watcher, error) { return nil, errStart }, []error{errStart}, []string{"close a"}},
		{"stop", func(ev *events) []Output {
			return []Output{output(&fakeSink{name: "a", ev: ev, writeErr: backlog.ErrStopped}, "a")}
		}, startFake, []error{watch.ErrStop, backlog.ErrStopped}, []string{"write a", "close a"}},
		{"close", func(ev *events) []Output {
			return []Output{output(&fakeSink{name: "a", ev: ev, closeErr: errClose}, "a"), output(&fakeSink{name: "b", ev: ev}, "b")}
		}, startFake, []error{errClose}, []string{"write a", "write b", "close b", "close a"}},
	} {
		ev := &events{}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if tc.name == "close" {
			cancel() // a run that went well, at once
		}
		err = run(ctx, Config{Watch: quiet(), Outputs: tc.outputs(ev), Listener: ln}, nil, tc.start)
		cancel()
		for _, want := range tc.want {
			if !errors.Is(err, want) {
				t.Errorf("%s: %v, want %v", tc.name, err, want)
			}
		}
		if got := ev.all(); !slices.Equal(got, tc.calls) {
			t.Errorf("%s: calls %q, want %q", tc.name, got, tc.calls)
		}
		if _, err := ln.Accept(); err == nil {
			t.Errorf("%s: the listener is still open", tc.name)
		}
	}
}

// TestProbeConfig: /probe's modules judge with the watch's rules and
// trace as its paths are traced.
func TestProbeConfig(t *testing.T) {
	cfg := Config{Watch: quiet()}
	cfg.Watch.Rules.MaxLossPct = 7
	cfg.Watch.Path.Trace.Protocol, cfg.Watch.Path.Trace.Port, cfg.Watch.Path.Trace.MaxTTL = trace.TCP, 8443, 9
	pc := probeConfig(cfg)
	if pc.Modules.Rules.MaxLossPct != 7 {
		t.Errorf("rules %+v", pc.Modules.Rules)
	}
	for _, tc := range []trace.Config{pc.Modules.Trace.Trace, pc.Modules.Path.Trace} {
		if tc.Protocol != trace.TCP || tc.Port != 8443 || tc.MaxTTL != 9 {
			t.Errorf("trace %v port %d max TTL %d", tc.Protocol, tc.Port, tc.MaxTTL)
		}
	}
}
