package watch

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"netdx/check"
	"netdx/diagnose"
	"netdx/internal/configerr"
	"netdx/trace"
	"netdx/watch/audit"
)

// Config configures a watch; start from DefaultConfig. Every field is
// taken as it is; Targets or Host (or both) must be set.
type Config struct {
	// Targets get echo streams and path rounds.
	Targets []check.Target
	// Interval is how often the rules judge the evidence and the host is
	// sampled.
	Interval time.Duration
	// Echo configures the echo streams (DefaultConfig's send every
	// Interval: see Paced).
	Echo check.EchoConfig
	// MinSample is how many echo outcomes a target needs before its path
	// is judged: fewer let one lost probe look like loss.
	MinSample int
	// Path configures the trace rounds; they run no echo stream of their
	// own (NoEcho is not read: the echo streams are the loss evidence).
	Path check.PathConfig
	// PathInterval is how often each target's path is traced (the
	// targets spread over it), or Never.
	PathInterval time.Duration
	// PathConcurrency bounds the paths traced at once.
	PathConcurrency int
	// Host, when set, samples the host every Interval.
	Host *check.HostConfig
	// Audit, when set, runs the connection audit.
	Audit *audit.Config
	// Rules are diagnose's thresholds.
	Rules diagnose.Config
	// RaiseAfter and ClearAfter are the hysteresis, in evaluations;
	// RaiseInfo raises information findings too (otherwise only warnings
	// and criticals are).
	RaiseAfter, ClearAfter int
	RaiseInfo              bool
	// RoundEvery is how often a round record (each target's echo
	// statistics since the last one) goes to the sinks, or Never.
	RoundEvery time.Duration
	// Snapshot configures the snapshots taken when a target crosses a
	// threshold.
	Snapshot SnapshotConfig
	// Sinks receive every record.
	Sinks []Sink
	// Hostname stamps the records; empty means os.Hostname.
	Hostname string
	// Logger receives the watch's log lines; nil means slog.Default().
	Logger *slog.Logger
}

// Never, as Config.PathInterval or RoundEvery, turns path rounds or round
// records off (the command line's 0).
const Never time.Duration = 0

// DefaultConfig judges every second, with an echo request to each target
// every second (check.DefaultEchoConfig's window of 300), a path judged
// from 20 outcomes on; traces each path once a minute, 2 at once (each
// trace's raw socket also reads every echo reply of the streams), with
// 10 rounds 50 ms apart and the path check's trace wait, without its MTU
// probes (large requests to every target each minute); raises a finding
// found 3 evaluations in a row and clears it after 5 clean ones; a round
// record a minute; no snapshots (DefaultSnapshotConfig).
func DefaultConfig() Config {
	path := check.DefaultPathConfig()
	path.NoEcho, path.NoMTU, path.RoundInterval = true, true, 50*time.Millisecond
	path.Duration = 10 * path.RoundInterval
	c := Config{
		Echo:            check.DefaultEchoConfig(),
		MinSample:       20,
		Path:            path,
		PathInterval:    time.Minute,
		PathConcurrency: 2,
		Rules:           diagnose.DefaultConfig(),
		RaiseAfter:      3,
		ClearAfter:      5,
		RoundEvery:      time.Minute,
		Snapshot:        DefaultSnapshotConfig(),
	}
	return c.Paced(time.Second)
}

// Paced is c judging every interval, its echo streams sending to each
// target as often (DefaultConfig's pairing).
func (c Config) Paced(interval time.Duration) Config {
	c.Interval, c.Echo.Interval = interval, interval
	return c
}

// SnapshotConfig says when a target's crossing of a threshold takes a
// snapshot (a trace and the socket table) into the sinks; start from
// DefaultSnapshotConfig.
type SnapshotConfig struct {
	// MaxRTT: a snapshot when the median RTT of the target's window goes
	// above it (diagnose.NoMaxRTT: never).
	MaxRTT time.Duration
	// MaxLossPct: a snapshot when the loss of the target's window goes
	// above it, in % (NoMaxLossPct: never).
	MaxLossPct float64
	// Gap is the least time between two snapshots of a target.
	Gap time.Duration
	// Trace configures the snapshot's trace.
	Trace trace.Config
}

// NoMaxLossPct, as SnapshotConfig.MaxLossPct, takes no snapshot for loss:
// no loss is above it.
const NoMaxLossPct = 100.0

// DefaultSnapshotConfig takes no snapshot; once a threshold is set, at
// most one every 10 minutes per target, with an ICMP traceroute.
func DefaultSnapshotConfig() SnapshotConfig {
	tc := trace.DefaultConfig()
	tc.Protocol, tc.Port = trace.ICMP, trace.ICMP.DefaultPort()
	return SnapshotConfig{MaxRTT: diagnose.NoMaxRTT, MaxLossPct: NoMaxLossPct, Gap: 10 * time.Minute, Trace: tc}
}

func (s SnapshotConfig) enabled() bool {
	return s.MaxRTT != diagnose.NoMaxRTT || s.MaxLossPct < NoMaxLossPct
}

// ErrConfig matches every *ConfigError.
var ErrConfig = errors.New("watch: bad configuration")

// ConfigError is a Config field that cannot run. It names the field, not
// a command-line flag.
type ConfigError = configerr.Error[configOwner]

// configOwner makes ConfigError watch's own: its messages start with
// "watch:" and it matches ErrConfig.
type configOwner struct{}

func (configOwner) Package() string    { return "watch" }
func (configOwner) Sentinels() []error { return []error{ErrConfig} }

func bad(field string, v any, format string, a ...any) error {
	return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
}

// Validate reports the first field of c that cannot run (the engines'
// ConfigErrors for theirs), before anything is opened.
func (c Config) Validate() error {
	return configerr.First(c.checkSubject, c.checkSchedule, c.checkHysteresis, c.checkSnapshot, c.Rules.Validate,
		c.checkTargets, c.checkHost)
}

// checkSubject, checkSchedule, checkHysteresis, checkSnapshot,
// checkTargets and checkHost are Validate's checks, one group of fields
// each.
func (c Config) checkSubject() error {
	if len(c.Targets) == 0 && c.Host == nil {
		return bad("Targets", 0, "nothing to watch: give targets or host checks")
	}
	return nil
}

func (c Config) checkSchedule() error {
	switch {
	case c.Interval < 10*time.Millisecond || c.Interval > time.Hour:
		return bad("Interval", c.Interval, "want 10ms..1h")
	case c.PathInterval != Never && c.PathInterval < c.Interval:
		return bad("PathInterval", c.PathInterval, "want at least the interval (%v), or 0 for no path rounds", c.Interval)
	case c.PathConcurrency < 1 || c.PathConcurrency > 256:
		return bad("PathConcurrency", c.PathConcurrency, "want 1..256")
	case c.PathInterval != Never && c.Path.Duration > c.PathInterval:
		return bad("Duration", c.Path.Duration, "path rounds longer than the path interval (%v)", c.PathInterval)
	case c.RoundEvery != Never && c.RoundEvery < c.Interval:
		return bad("RoundEvery", c.RoundEvery, "want at least the interval (%v), or 0 for none", c.Interval)
	}
	return nil
}

func (c Config) checkHysteresis() error {
	switch {
	case c.MinSample < 1:
		return bad("MinSample", c.MinSample, "want at least 1 outcome")
	case c.RaiseAfter < 1:
		return bad("RaiseAfter", c.RaiseAfter, "want at least 1 evaluation")
	case c.ClearAfter < 1:
		return bad("ClearAfter", c.ClearAfter, "want at least 1 evaluation")
	}
	return nil
}

func (c Config) checkSnapshot() error {
	s := c.Snapshot
	switch {
	case s.MaxRTT <= 0:
		return bad("SnapshotRTT", s.MaxRTT, "want a positive RTT")
	case math.IsNaN(s.MaxLossPct) || s.MaxLossPct <= 0 || s.MaxLossPct > NoMaxLossPct:
		return bad("SnapshotLossPct", s.MaxLossPct, "want a percentage above 0 and below 100")
	case s.Gap <= 0:
		return bad("SnapshotGap", s.Gap, "want a positive time")
	}
	return nil
}

// checkTargets checks what the targets' checks run: the echo streams and
// their window, the path rounds and the snapshots' traces.
func (c Config) checkTargets() error {
	if len(c.Targets) == 0 {
		return nil
	}
	if err := c.Echo.Validate(); err != nil {
		return err
	}
	// The window must be able to say a clean target is clean, or no loss
	// finding would ever clear.
	w, maxLoss := c.Echo.Window, c.Rules.MaxLossPct
	if !(diagnose.Sample{K: 0, N: w}).Below(maxLoss) {
		need := w
		for !(diagnose.Sample{K: 0, N: need}).Below(maxLoss) && need < check.MaxEchoesWindow {
			need++
		}
		return bad("Window", w, "too small to tell a clean target from --max-loss %g%%: 0 lost of %d is still up to %.1f%%; want at least %d",
			maxLoss, w, hi(w), need)
	}
	if c.MinSample > w {
		return bad("MinSample", c.MinSample, "more than the window (%d)", w)
	}
	if c.PathInterval != Never {
		if err := c.pathCheck().Validate(); err != nil {
			return err
		}
	}
	if c.Snapshot.enabled() {
		return c.Snapshot.Trace.Validate(c.Targets[0].Addr)
	}
	return nil
}

func (c Config) checkHost() error {
	if c.Host == nil {
		return nil
	}
	return c.Host.Validate()
}

// pathCheck is the path rounds' check: no echo stream of its own.
func (c Config) pathCheck() check.PathConfig {
	p := c.Path
	p.NoEcho = true
	return p
}

func hi(n int) float64 {
	_, h := diagnose.Sample{K: 0, N: n}.Interval()
	return h
}
