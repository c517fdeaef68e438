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

	"netdx/resolver"
	"netdx/trace"
	"netdx/watch"
	"netdx/watch/audit"
	"netdx/watch/backlog"
	"netdx/watch/journal"
	"netdx/watch/metrics"
	"netdx/watch/record"
	"netdx/watch/rfc5424"
	"netdx/watch/trigger"
)

func watchSinkFlags() []cli.Flag {
	jd, sd, td := journal.DefaultConfig(), rfc5424.DefaultConfig(), trigger.DefaultConfig()
	return []cli.Flag{
		&cli.StringFlag{Name: "journal", Usage: "append every record to `FILE` as JSON lines (crash-safe, rotated)"},
		&cli.StringFlag{Name: "journal-max-size", Value: formatSize(jd.MaxSize), Usage: "rotate the journal at this `SIZE` (bytes, or with K, M, G; -1: never)"},
		&cli.IntFlag{Name: "journal-keep", Value: jd.Keep, Usage: "rotated journal files kept"},
		&cli.DurationFlag{Name: "flush", Value: jd.Flush, Usage: "fsync the journal this often (0: after every record)"},
		&cli.IntFlag{Name: "journal-backlog", Value: jd.Backlog, Usage: "records kept in memory while the disk is slow or full"},
		&cli.StringFlag{Name: "on-full", Value: jd.OnFull.String(), Usage: "when the backlog is full: purge-oldest, ignore-new or stop"},
		&cli.DurationFlag{Name: "journal-rounds", Value: watch.DefaultConfig().RoundEvery, Usage: "a round record (echo statistics per target) this often (0: none)"},
		&cli.StringFlag{Name: "syslog", Usage: "send findings, audit events and snapshots to `URL`: udp://HOST[:PORT], tcp://HOST[:PORT] or unix:///dev/log"},
		&cli.StringFlag{Name: "syslog-facility", Value: sd.Facility, Usage: "syslog facility"},
		&cli.IntFlag{Name: "syslog-backlog", Value: sd.Backlog, Usage: "messages kept while the syslog receiver is away"},
		&cli.StringFlag{Name: "on-finding", Usage: "run `CMD` (with /bin/sh) for each raised or cleared finding: the record as JSON on stdin, NETDX_* in the environment"},
		&cli.IntFlag{Name: "on-finding-concurrency", Value: td.Concurrency, Usage: fmt.Sprintf("commands run at once (at most %d); more findings are dropped and counted", trigger.MaxConcurrency)},
		&cli.DurationFlag{Name: "on-finding-timeout", Value: td.Timeout, Usage: "kill a command (and its children) after this"},
		&cli.StringFlag{Name: "listen", Usage: "serve /metrics and /probe for Prometheus on `ADDR` (host:port)"},
		&cli.StringSliceFlag{Name: "probe-allow", Usage: "answer /probe only for targets in these `PREFIXES` (198.18.0.0/15, 2001:db8::/32; an address is its own prefix; default: any)"},
	}
}

var (
	_ configError = (*journal.ConfigError)(nil)
	_ configError = (*rfc5424.ConfigError)(nil)
	_ configError = (*trigger.ConfigError)(nil)
	_ configError = (*backlog.ConfigError)(nil)
)

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
	if errors.Is(err, backlog.ErrStopped) {
		return fmt.Errorf("%w: %w", watch.ErrStop, err)
	}
	return err
}

// sinkConfigs are the configs of the sinks the flags ask for, nil for the
// others.
type sinkConfigs struct {
	journal *journal.Config
	syslog  *rfc5424.Config
	trigger *trigger.Config
}

// openSinks opens the sinks the flags ask for, once all their configs are
// valid; bad values are refused with the flag's name.
func openSinks(c *cli.Context, host string, log *slog.Logger) (*sinks, error) {
	cfgs, err := sinksConfig(c, host, log)
	if err != nil {
		return nil, err
	}
	s := &sinks{}
	if cfg := cfgs.journal; cfg != nil {
		j, err := journal.Open(*cfg)
		if err != nil {
			return nil, withCode(exitUnknown, fmt.Errorf("netdx watch: --journal %s: %w", cfg.Path, err))
		}
		s.journal = j
		s.add("journal", journalSink{j}, func() uint64 { st := j.Stats(); return st.Purged + st.Ignored })
	}
	if cfg := cfgs.syslog; cfg != nil {
		w, err := rfc5424.New(*cfg)
		if err != nil {
			s.close()
			return nil, failure(c, watchFlags, err)
		}
		s.syslog = w
		s.add("syslog", w, func() uint64 { return w.Stats().Dropped })
	}
	if cfg := cfgs.trigger; cfg != nil {
		t, err := trigger.New(*cfg)
		if err != nil {
			s.close()
			return nil, failure(c, watchFlags, err)
		}
		s.trigger = t
		s.add("on-finding", t, func() uint64 { return t.Stats().Dropped })
	}
	return s, nil
}

// sinksConfig turns the sink flags into the sinks' configs: each starts
// from its package's defaults, takes the flags the user set, and is
// validated.
func sinksConfig(c *cli.Context, host string, log *slog.Logger) (sinkConfigs, error) {
	var s sinkConfigs
	if path := c.String("journal"); path != "" {
		cfg, err := journalConfig(c, path, host, log)
		if err != nil {
			return s, err
		}
		s.journal = &cfg
	}
	if url := c.String("syslog"); url != "" {
		cfg := rfc5424.DefaultConfig()
		cfg.URL, cfg.Hostname, cfg.Logger = url, host, log
		set(c, "syslog-facility", c.String, &cfg.Facility)
		set(c, "syslog-backlog", c.Int, &cfg.Backlog)
		if err := cfg.Validate(); err != nil {
			return s, failure(c, watchFlags, err)
		}
		s.syslog = &cfg
	}
	if cmd := c.String("on-finding"); cmd != "" {
		cfg := trigger.DefaultConfig()
		cfg.Command, cfg.Logger = cmd, log
		set(c, "on-finding-concurrency", c.Int, &cfg.Concurrency)
		set(c, "on-finding-timeout", c.Duration, &cfg.Timeout)
		if err := cfg.Validate(); err != nil {
			return s, failure(c, watchFlags, err)
		}
		s.trigger = &cfg
	}
	return s, nil
}

// journalConfig is the journal's config for the flags.
func journalConfig(c *cli.Context, path, host string, log *slog.Logger) (journal.Config, error) {
	cfg := journal.DefaultConfig()
	cfg.Path, cfg.Host, cfg.Logger = path, host, log
	if c.IsSet("journal-max-size") {
		v := c.String("journal-max-size")
		size, err := parseSize(v)
		if err != nil {
			return cfg, usageError("netdx watch: --journal-max-size %s: %v", v, err)
		}
		cfg.MaxSize = size
	}
	set(c, "journal-keep", c.Int, &cfg.Keep)
	if c.IsSet("flush") {
		if d := c.Duration("flush"); d == 0 {
			cfg.FlushEach = true
		} else {
			cfg.Flush = d
		}
	}
	set(c, "journal-backlog", c.Int, &cfg.Backlog)
	if c.IsSet("on-full") {
		onFull, err := backlog.ParseOnFull(c.String("on-full"))
		if err != nil {
			return cfg, failure(c, watchFlags, err)
		}
		cfg.OnFull = onFull
	}
	return cfg, failure(c, watchFlags, cfg.Validate())
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

// sizeUnits are the suffixes of --journal-max-size, largest first.
var sizeUnits = []struct {
	suffix string
	bytes  int64
}{{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}}

// parseSize reads a size in bytes with an optional K, M or G suffix, or
// -1 (never rotate).
func parseSize(v string) (int64, error) {
	if v == "-1" {
		return journal.NeverRotate, nil
	}
	mult := int64(1)
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			mult, v = u.bytes, n
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > (1<<50)/mult {
		return 0, errors.New("want a positive size in bytes, or with K, M or G, or -1")
	}
	return n * mult, nil
}

// formatSize writes a size as parseSize reads it, in the largest unit
// that keeps it whole.
func formatSize(n int64) string {
	for _, u := range sizeUnits {
		if n > 0 && n%u.bytes == 0 {
			return strconv.FormatInt(n/u.bytes, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
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
		pc.Resolve = func(ctx context.Context, name string) (netip.Addr, error) { return resolver.Resolve(ctx, name, family) }
		pc.Allow, pc.Modules.Rules = allow, cfg.Rules
		// The path modules trace as the watch does (-P, -m).
		for _, t := range []*trace.Config{&pc.Modules.Trace.Trace, &pc.Modules.Path.Trace} {
			t.Protocol, t.Port, t.MaxTTL = cfg.Path.Trace.Protocol, cfg.Path.Trace.Port, cfg.Path.Trace.MaxTTL
		}
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
