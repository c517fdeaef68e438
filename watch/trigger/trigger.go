// Package trigger runs a command for each finding netdx watch raises or
// clears: the record as one JSON line on the command's standard input, and
// its main fields in the environment:
//
//	NETDX_EVENT     raised or cleared
//	NETDX_KIND      the finding's kind (path_loss, sniffer, …)
//	NETDX_SEVERITY  info, warning or critical
//	NETDX_TARGET    the target of a path finding
//	NETDX_INTERFACE the interface of a host finding
//	NETDX_SUMMARY   the finding's one line for humans
//	NETDX_HOST      the watching host
//	NETDX_TIME      the record's time, RFC 3339
//	NETDX_SINCE     when a cleared finding was raised
//
// The command runs with Config.Shell -c (/bin/sh), in its own process
// group, at most Concurrency at once and each for at most Timeout (then the
// group is killed). Write never blocks the watch: a record that finds every slot
// busy is dropped and counted, and so is one whose command fails.
//
// Privileges: the command runs with the watch's. Write, Stats and Close
// are safe for concurrent use.
package trigger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"netdx/internal/configerr"
	"netdx/watch/record"
)

// Config says what to run. Start from DefaultConfig.
type Config struct {
	// Command is a shell command line.
	Command string
	// Concurrency bounds the commands running at once: 1..MaxConcurrency.
	Concurrency int
	// Timeout bounds each command's run.
	Timeout time.Duration
	// Shell runs the command.
	Shell string
	// Logger receives a line for each command that failed or was
	// dropped.
	Logger *slog.Logger
}

// MaxConcurrency bounds Config.Concurrency: each command is a process.
const MaxConcurrency = 1024

// DefaultConfig is the trigger's configuration but for its Command: 4
// commands at once, each for at most 30 s, with /bin/sh.
func DefaultConfig() Config {
	return Config{Concurrency: 4, Timeout: 30 * time.Second, Shell: "/bin/sh", Logger: slog.Default()}
}

// ErrConfig matches every *ConfigError.
var ErrConfig = errors.New("trigger: bad configuration")

// ConfigError is a Config field that cannot run. It names the field, not
// any command-line flag.
type ConfigError = configerr.Error[configOwner]

// configOwner makes ConfigError the trigger's own: its messages start
// with "trigger:" and it matches ErrConfig.
type configOwner struct{}

func (configOwner) Package() string    { return "trigger" }
func (configOwner) Sentinels() []error { return []error{ErrConfig} }

// Validate reports the first field of c that cannot run, as a
// *ConfigError.
func (c Config) Validate() error {
	bad := func(field string, v any, reason string) error {
		return &ConfigError{Field: field, Value: v, Reason: reason}
	}
	switch {
	case c.Command == "":
		return bad("Command", c.Command, "want a command")
	case c.Concurrency < 1 || c.Concurrency > MaxConcurrency:
		return bad("Concurrency", c.Concurrency, fmt.Sprintf("want 1..%d commands at once", MaxConcurrency))
	case c.Timeout <= 0:
		return bad("Timeout", c.Timeout, "want a positive time")
	case c.Shell == "":
		return bad("Shell", c.Shell, "want a shell")
	case c.Logger == nil:
		return bad("Logger", nil, "want a logger")
	}
	return nil
}

// Stats counts what the trigger did.
type Stats struct {
	Started  uint64 `json:"started"`
	Failed   uint64 `json:"failed"`    // exited non-zero, or could not start
	TimedOut uint64 `json:"timed_out"` // killed at the timeout
	Dropped  uint64 `json:"dropped"`   // every slot was busy
}

// Trigger runs the command for raised and cleared records.
type Trigger struct {
	cfg   Config
	log   *slog.Logger
	slots chan struct{}
	wg    sync.WaitGroup

	mu     sync.Mutex
	stats  Stats
	closed bool
}

// New returns a trigger for cfg; a bad Config returns a *ConfigError.
func New(cfg Config) (*Trigger, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Trigger{cfg: cfg, log: cfg.Logger, slots: make(chan struct{}, cfg.Concurrency)}, nil
}

// Env is the environment a record gives the command (without the
// watch's own).
func Env(r record.Record) []string {
	if r.Finding == nil {
		return nil
	}
	f := r.Finding
	env := []string{"NETDX_EVENT=" + string(r.Kind), "NETDX_KIND=" + string(f.Kind), "NETDX_SEVERITY=" + f.Severity.String(),
		"NETDX_TARGET=" + f.Target, "NETDX_INTERFACE=" + f.Interface, "NETDX_SUMMARY=" + f.Summary,
		"NETDX_HOST=" + r.Host, "NETDX_TIME=" + r.Time.Format(time.RFC3339Nano)}
	if !r.Since.IsZero() {
		env = append(env, "NETDX_SINCE="+r.Since.Format(time.RFC3339Nano))
	}
	return env
}

// Write starts the command for a raised or cleared record and returns at
// once; other records are skipped.
func (t *Trigger) Write(r record.Record) error {
	if r.Kind != record.KindRaised && r.Kind != record.KindCleared {
		return nil
	}
	line, err := r.Line()
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return errors.New("trigger: closed")
	}
	select {
	case t.slots <- struct{}{}:
	default:
		t.stats.Dropped++
		t.log.Warn("trigger: every command slot is busy; finding not handed to the command",
			"kind", r.Finding.Kind, "event", r.Kind, "dropped", t.stats.Dropped)
		return fmt.Errorf("trigger: %d commands running: dropped", t.cfg.Concurrency)
	}
	t.stats.Started++
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer func() { <-t.slots }()
		t.run(line, Env(r))
	}()
	return nil
}

func (t *Trigger) run(line []byte, env []string) {
	ctx, cancel := context.WithTimeout(context.Background(), t.cfg.Timeout)
	defer cancel()
	cmd := exec.Command(t.cfg.Shell, "-c", t.cfg.Command)
	cmd.Stdin = bytes.NewReader(line)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.failed(false, err, nil)
		return
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.failed(false, err, out.Bytes())
		}
	case <-ctx.Done():
		// The whole group: the shell and whatever it started.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.failed(true, ctx.Err(), out.Bytes())
	}
}

func (t *Trigger) failed(timeout bool, err error, out []byte) {
	t.mu.Lock()
	if timeout {
		t.stats.TimedOut++
	} else {
		t.stats.Failed++
	}
	t.mu.Unlock()
	if len(out) > 512 {
		out = out[:512]
	}
	t.log.Warn("trigger: command failed", "err", err, "timeout", timeout, "output", string(out))
}

// Stats returns the counts so far.
func (t *Trigger) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stats
}

// Dropped counts the records dropped because every slot was busy
// (Stats' Dropped), for the watch's metrics.
func (t *Trigger) Dropped() uint64 { return t.Stats().Dropped }

// Close takes no more records and waits for the commands running (each
// ends by its timeout at the latest).
func (t *Trigger) Close() error {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.wg.Wait()
	return nil
}
