package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/watch"
	"netdx/watch/audit"
	"netdx/watch/journal"
	"netdx/watch/metrics"
	"netdx/watch/record"
	"netdx/watch/rfc5424"
	"netdx/watch/trigger"
)

func watchSinkFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "journal", Usage: "append every record to `FILE` as JSON lines (crash-safe, rotated)"},
		&cli.StringFlag{Name: "journal-max-size", Value: "64M", Usage: "rotate the journal at this `SIZE` (bytes, or with K, M, G; -1: never)"},
		&cli.IntFlag{Name: "journal-keep", Value: 5, Usage: "rotated journal files kept"},
		&cli.DurationFlag{Name: "flush", Value: time.Second, Usage: "fsync the journal this often (0: after every record)"},
		&cli.IntFlag{Name: "journal-backlog", Value: 10000, Usage: "records kept in memory while the disk is slow or full"},
		&cli.StringFlag{Name: "on-full", Value: "purge-oldest", Usage: "when the backlog is full: purge-oldest, ignore-new or stop"},
		&cli.DurationFlag{Name: "journal-rounds", Value: watch.DefaultConfig().RoundEvery, Usage: "a round record (echo statistics per target) this often (0: none)"},
		&cli.StringFlag{Name: "syslog", Usage: "send findings, audit events and snapshots to `URL`: udp://HOST[:PORT], tcp://HOST[:PORT] or unix:///dev/log"},
		&cli.StringFlag{Name: "syslog-facility", Value: "daemon", Usage: "syslog facility"},
		&cli.IntFlag{Name: "syslog-backlog", Value: 1000, Usage: "messages kept while the syslog receiver is away"},
		&cli.StringFlag{Name: "on-finding", Usage: "run `CMD` (with /bin/sh) for each raised or cleared finding: the record as JSON on stdin, NETDX_* in the environment"},
		&cli.IntFlag{Name: "on-finding-concurrency", Value: 4, Usage: "commands run at once; more findings are dropped and counted"},
		&cli.DurationFlag{Name: "on-finding-timeout", Value: 30 * time.Second, Usage: "kill a command (and its children) after this"},
		&cli.StringFlag{Name: "listen", Usage: "serve /metrics and /probe for Prometheus on `ADDR` (host:port)"},
		&cli.StringSliceFlag{Name: "probe-allow", Usage: "answer /probe only for targets in these `PREFIXES` (198.18.0.0/15, 2001:db8::/32; an address is its own prefix; default: any)"},
	}
}

// sinks are the watch's sinks as the command opened them.
type sinks struct {
	journal *journal.Journal
	syslog  *rfc5424.Writer
	trigger *trigger.Trigger
	list    []watch.Sink
	names   []metrics.Sink
}

// journalSink ends the watch when the journal stops (--on-full stop).
type journalSink struct{ *journal.Journal }

func (j journalSink) Write(r record.Record) error {
	err := j.Journal.Write(r)
	if errors.Is(err, journal.ErrStopped) {
		return fmt.Errorf("%w: %w", watch.ErrStop, err)
	}
	return err
}

// openSinks opens the sinks the flags ask for; bad values are refused
// with the flag's name.
func openSinks(c *cli.Context, host string, log *slog.Logger) (*sinks, error) {
	s := &sinks{}
	if path := c.String("journal"); path != "" {
		size, err := parseSize(c.String("journal-max-size"))
		if err != nil {
			return nil, usageError("netdx watch: --journal-max-size %s: %v", c.String("journal-max-size"), err)
		}
		onFull, err := journal.ParseOnFull(c.String("on-full"))
		if err != nil {
			return nil, usageError("netdx watch: --on-full %s: want purge-oldest, ignore-new or stop", c.String("on-full"))
		}
		flush := c.Duration("flush")
		switch {
		case flush < 0:
			return nil, usageError("netdx watch: --flush %v: want a positive time, or 0 for every record", flush)
		case flush == 0:
			flush = -1
		}
		keep, backlog := c.Int("journal-keep"), c.Int("journal-backlog")
		if keep < 1 || backlog < 1 {
			return nil, usageError("netdx watch: --journal-keep and --journal-backlog want at least 1")
		}
		j, err := journal.Open(journal.Config{Path: path, Host: host, MaxSize: size, Keep: keep, Flush: flush, Backlog: backlog, OnFull: onFull, Logger: log})
		if err != nil {
			return nil, withCode(exitUnknown, fmt.Errorf("netdx watch: --journal %s: %w", path, err))
		}
		s.journal = j
		s.add("journal", journalSink{j}, func() uint64 { st := j.Stats(); return st.Purged + st.Ignored })
	}
	if url := c.String("syslog"); url != "" {
		if c.Int("syslog-backlog") < 1 {
			s.close()
			return nil, usageError("netdx watch: --syslog-backlog %d: want at least 1", c.Int("syslog-backlog"))
		}
		w, err := rfc5424.New(rfc5424.Config{URL: url, Hostname: host, Facility: c.String("syslog-facility"), Backlog: c.Int("syslog-backlog"), Logger: log})
		if err != nil {
			s.close()
			return nil, usageError("netdx watch: %s", strings.TrimPrefix(err.Error(), "rfc5424: bad configuration: "))
		}
		s.syslog = w
		s.add("syslog", w, func() uint64 { return w.Stats().Dropped })
	}
	if cmd := c.String("on-finding"); cmd != "" {
		t, err := trigger.New(trigger.Config{Command: cmd, Concurrency: c.Int("on-finding-concurrency"), Timeout: c.Duration("on-finding-timeout"), Logger: log})
		if err != nil || c.Int("on-finding-concurrency") < 1 || c.Duration("on-finding-timeout") <= 0 {
			s.close()
			return nil, usageError("netdx watch: --on-finding-concurrency and --on-finding-timeout want positive values")
		}
		s.trigger = t
		s.add("on-finding", t, func() uint64 { return t.Stats().Dropped })
	}
	return s, nil
}

func (s *sinks) add(name string, sk watch.Sink, dropped func() uint64) {
	s.list = append(s.list, sk)
	s.names = append(s.names, metrics.Sink{Name: name, Dropped: dropped})
}

// close flushes and closes every sink: the trigger's commands end, syslog
// delivers what it can, the journal syncs.
func (s *sinks) close() error {
	var errs []error
	if s.trigger != nil {
		errs = append(errs, s.trigger.Close())
	}
	if s.syslog != nil {
		errs = append(errs, s.syslog.Close())
	}
	if s.journal != nil {
		errs = append(errs, s.journal.Close())
	}
	return errors.Join(errs...)
}

// parseSize reads a size in bytes with an optional K, M or G suffix.
func parseSize(v string) (int64, error) {
	if v == "-1" {
		return -1, nil
	}
	mult := int64(1)
	switch {
	case strings.HasSuffix(v, "K"):
		mult, v = 1<<10, strings.TrimSuffix(v, "K")
	case strings.HasSuffix(v, "M"):
		mult, v = 1<<20, strings.TrimSuffix(v, "M")
	case strings.HasSuffix(v, "G"):
		mult, v = 1<<30, strings.TrimSuffix(v, "G")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > (1<<50)/mult {
		return 0, errors.New("want a positive size in bytes, K, M or G (64M), or -1")
	}
	return n * mult, nil
}

// runWatch opens the sinks and the metrics endpoint, runs the watch until
// a signal, and closes everything.
func runWatch(c *cli.Context, cfg watch.Config) error {
	// A daemon that runs for months on every host: keep the heap near
	// what it holds (each evaluation's garbage is collected sooner; 254
	// targets: about 1 MB less at a cost of no measurable CPU), unless the
	// operator set GOGC.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
	allow, err := prefixesFlag(c, "probe-allow")
	if err != nil {
		return err
	}
	if len(allow) > 0 && c.String("listen") == "" {
		return usageError("netdx watch: --probe-allow limits /probe, which needs --listen")
	}
	host, _ := os.Hostname()
	cfg.Hostname = host
	s, err := openSinks(c, host, cfg.Logger)
	if err != nil {
		return err
	}
	cfg.Sinks = s.list
	w, err := watch.New(cfg)
	if err != nil {
		s.close()
		return failure(c, watchFlags, err)
	}
	var srv *http.Server
	if addr := c.String("listen"); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.close()
			return usageError("netdx watch: --listen %s: %v", addr, err)
		}
		var auditStats func() audit.Stats
		if a := w.Audit(); a != nil {
			auditStats = a.Stats
		}
		family, _ := addrFamily(c)
		pc := metrics.DefaultProbeConfig()
		pc.Resolve = func(ctx context.Context, name string) (netip.Addr, error) { return resolve(ctx, name, family) }
		pc.Allow, pc.Modules.Rules = allow, cfg.Rules
		// The path modules trace as the watch does (-P, -m).
		pathTraceFlags(c, &pc.Modules.Trace.Trace)
		pathTraceFlags(c, &pc.Modules.Path.Trace)
		h := metrics.Handler(metrics.Config{Exporter: metrics.NewExporter(w, s.names, auditStats), Probe: pc, Logger: cfg.Logger})
		srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		cfg.Logger.Info("netdx watch: serving /metrics and /probe", "addr", ln.Addr().String())
	}
	// SIGHUP: logrotate moved the journal; open a new one.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer func() {
		signal.Stop(hup)
		close(hup)
	}()
	go func() {
		for range hup {
			if s.journal != nil {
				if err := s.journal.Reopen(); err != nil {
					cfg.Logger.Error("netdx watch: reopening the journal", "err", err)
				}
			}
		}
	}()
	runErr := w.Run(c.Context)
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Context), 2*time.Second)
		srv.Shutdown(ctx)
		cancel()
	}
	closeErr := s.close()
	if runErr != nil {
		return failure(c, watchFlags, runErr)
	}
	if closeErr != nil {
		return withCode(exitUnknown, fmt.Errorf("netdx watch: closing the sinks: %w", closeErr))
	}
	return nil
}

// logger is the watch's log: text lines on stderr.
func logger(c *cli.Context) *slog.Logger {
	return slog.New(slog.NewTextHandler(c.App.ErrWriter, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
