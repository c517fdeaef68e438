package main

import (
	"fmt"
	"log/slog"
	"maps"

	"github.com/urfave/cli/v2"

	"netdx/watch"
	"netdx/watch/backlog"
	"netdx/watch/daemon"
	"netdx/watch/journal"
	"netdx/watch/rfc5424"
	"netdx/watch/trigger"
)

// sinkOption is one of watch's sinks as the command offers it. A new sink
// is its package and one entry in watchSinks.
type sinkOption struct {
	// name labels the sink's metrics (netdx_sink_*{sink=…}); flag is the
	// flag that asks for the sink.
	name, flag string
	// flags are its flags, with its package's defaults; fields name the
	// flag of each field of its config.
	flags  func() []cli.Flag
	fields fieldFlags
	// open returns how to open the sink, its config made from the flags
	// and validated (see sinkOf).
	open func(c *cli.Context, env sinkEnv) (func() (daemon.Sink, error), error)
}

// sinkEnv is what every sink is given: the host's name, the log.
type sinkEnv struct {
	host string
	log  *slog.Logger
}

// watchSinks are watch's sinks, in the order they are opened and their
// flags shown.
var watchSinks = []sinkOption{
	{
		name: "journal", flag: "journal",
		flags: func() []cli.Flag {
			d := journal.DefaultConfig()
			return []cli.Flag{
				&cli.StringFlag{Name: "journal", Usage: "append every record to `FILE` as JSON lines (crash-safe, rotated)"},
				&cli.StringFlag{Name: "journal-max-size", Value: journal.FormatSize(d.MaxSize), Usage: "rotate the journal at this `SIZE` (bytes, or with K, M, G; -1: never)"},
				&cli.IntFlag{Name: "journal-keep", Value: d.Keep, Usage: "rotated journal files kept"},
				&cli.DurationFlag{Name: "flush", Value: d.Flush, Usage: "fsync the journal this often (0: after every record)"},
				&cli.IntFlag{Name: "journal-backlog", Value: d.Backlog, Usage: "records kept in memory while the disk is slow or full"},
				&cli.StringFlag{Name: "on-full", Value: d.OnFull.String(), Usage: "when the backlog is full: purge-oldest, ignore-new or stop"},
				// The watch's own, for the records the journal keeps.
				&cli.DurationFlag{Name: "journal-rounds", Value: watch.DefaultConfig().RoundEvery, Usage: "a round record (echo statistics per target) this often (0: none)"},
			}
		},
		fields: fieldFlags{"journal.Path": "--journal", "journal.MaxSize": "--journal-max-size", "journal.Keep": "--journal-keep",
			"journal.Flush": "--flush", "journal.Backlog": "--journal-backlog", "journal.OnFull": "--on-full", "backlog.OnFull": "--on-full"},
		open: sinkOf(journalConfig, journal.Open),
	},
	{
		name: "syslog", flag: "syslog",
		flags: func() []cli.Flag {
			d := rfc5424.DefaultConfig()
			return []cli.Flag{
				&cli.StringFlag{Name: "syslog", Usage: "send findings, audit events and snapshots to `URL`: udp://HOST[:PORT], tcp://HOST[:PORT] or unix:///dev/log"},
				&cli.StringFlag{Name: "syslog-facility", Value: d.Facility, Usage: "syslog facility"},
				&cli.IntFlag{Name: "syslog-backlog", Value: d.Backlog, Usage: "messages kept while the syslog receiver is away"},
				&cli.BoolFlag{Name: "syslog-bom", Value: d.BOM, Usage: "start messages that are not ASCII with RFC 5424's byte order mark (rsyslog keeps it in %msg%)"},
			}
		},
		fields: fieldFlags{"rfc5424.URL": "--syslog", "rfc5424.Facility": "--syslog-facility", "rfc5424.Backlog": "--syslog-backlog"},
		open:   sinkOf(syslogConfig, rfc5424.New),
	},
	{
		name: "on-finding", flag: "on-finding",
		flags: func() []cli.Flag {
			d := trigger.DefaultConfig()
			return []cli.Flag{
				&cli.StringFlag{Name: "on-finding", Usage: "run `CMD` (with /bin/sh) for each raised or cleared finding: the record as JSON on stdin, NETDX_* in the environment"},
				&cli.IntFlag{Name: "on-finding-concurrency", Value: d.Concurrency, Usage: fmt.Sprintf("commands run at once (at most %d); more findings are dropped and counted", trigger.MaxConcurrency)},
				&cli.DurationFlag{Name: "on-finding-timeout", Value: d.Timeout, Usage: "kill a command (and its children) after this"},
			}
		},
		fields: fieldFlags{"trigger.Command": "--on-finding", "trigger.Concurrency": "--on-finding-concurrency", "trigger.Timeout": "--on-finding-timeout"},
		open:   sinkOf(triggerConfig, trigger.New),
	},
}

// journalConfig is the journal's config for the flags.
func journalConfig(c *cli.Context, env sinkEnv) (journal.Config, error) {
	cfg := journal.DefaultConfig()
	cfg.Path, cfg.Host, cfg.Logger = c.String("journal"), env.host, env.log
	var err error
	if c.IsSet("journal-max-size") {
		if cfg.MaxSize, err = journal.ParseSize(c.String("journal-max-size")); err != nil {
			return cfg, err
		}
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
		cfg.OnFull, err = backlog.ParseOnFull(c.String("on-full"))
	}
	return cfg, err
}

// syslogConfig is syslog's config for the flags.
func syslogConfig(c *cli.Context, env sinkEnv) (rfc5424.Config, error) {
	cfg := rfc5424.DefaultConfig()
	cfg.URL, cfg.Hostname, cfg.Logger = c.String("syslog"), env.host, env.log
	set(c, "syslog-facility", c.String, &cfg.Facility)
	set(c, "syslog-backlog", c.Int, &cfg.Backlog)
	set(c, "syslog-bom", c.Bool, &cfg.BOM)
	cfg.Journal = c.String("journal")
	return cfg, nil
}

// triggerConfig is the --on-finding trigger's config for the flags.
func triggerConfig(c *cli.Context, env sinkEnv) (trigger.Config, error) {
	cfg := trigger.DefaultConfig()
	cfg.Command, cfg.Logger = c.String("on-finding"), env.log
	set(c, "on-finding-concurrency", c.Int, &cfg.Concurrency)
	set(c, "on-finding-timeout", c.Duration, &cfg.Timeout)
	return cfg, nil
}

// sinkOf is a sinkOption's open: the config from the flags, from its
// package's defaults, validated; then the package's constructor.
func sinkOf[C interface{ Validate() error }, S daemon.Sink](config func(*cli.Context, sinkEnv) (C, error), open func(C) (S, error)) func(*cli.Context, sinkEnv) (func() (daemon.Sink, error), error) {
	return func(c *cli.Context, env sinkEnv) (func() (daemon.Sink, error), error) {
		cfg, err := config(c, env)
		if err == nil {
			err = cfg.Validate()
		}
		return func() (daemon.Sink, error) {
			s, err := open(cfg)
			if err != nil {
				return nil, err
			}
			return s, nil
		}, err
	}
}

// sinkFlags are every sink's flags.
func sinkFlags() []cli.Flag {
	var out []cli.Flag
	for _, s := range watchSinks {
		out = append(out, s.flags()...)
	}
	return out
}

// sinkFields names the flag of every sink's config fields.
func sinkFields() fieldFlags {
	out := fieldFlags{}
	for _, s := range watchSinks {
		maps.Copy(out, s.fields)
	}
	return out
}

// sinkOutputs are the sinks the flags ask for, every config validated
// before any sink is opened; a sink that cannot open says which flag
// asked for it.
func sinkOutputs(c *cli.Context, env sinkEnv) ([]daemon.Output, error) {
	var outs []daemon.Output
	for _, s := range watchSinks {
		v := c.String(s.flag)
		if v == "" {
			continue
		}
		open, err := s.open(c, env)
		if err != nil {
			return nil, failure(c, watchFlags, err)
		}
		outs = append(outs, daemon.Output{Name: s.name, Open: func() (daemon.Sink, error) {
			sk, err := open()
			if err != nil {
				return nil, fmt.Errorf("--%s %s: %w", s.flag, v, err)
			}
			return sk, nil
		}})
	}
	return outs, nil
}
