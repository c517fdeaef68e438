package watch

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"time"

	"netdx/check"
	"netdx/diagnose"
	"netdx/internal/configerr"
	"netdx/trace"
	"netdx/watch/audit"
)

// ExplicitZero, put in a numeric field of Config, asks for zero itself
// rather than the field's default, as in the engines' configs.
const ExplicitZero = math.MinInt64

// Defaults of Config's zero fields.
const (
	DefaultInterval     = time.Second
	DefaultPathInterval = time.Minute
	DefaultPathRounds   = 10
	DefaultRoundEvery   = time.Minute
	DefaultMinSample    = 20
	DefaultSnapshotGap  = 10 * time.Minute
)

// Config configures a watch. The zero value of every field is its default;
// Targets or Host (or both) must be set.
type Config struct {
	// Targets get echo streams and path rounds.
	Targets []check.Target
	// Interval is how often the rules judge the evidence and the host is
	// sampled (default 1 s).
	Interval time.Duration
	// Echo configures the echo streams; its Interval defaults to
	// Interval.
	Echo check.EchoConfig
	// MinSample is how many echo outcomes a target needs before its path
	// is judged (default 20): fewer let one lost probe look like loss.
	MinSample int
	// Path configures the trace rounds (its EchoInterval is ignored: the
	// echo streams are the loss evidence); its Duration defaults to
	// PathRounds rounds 50 ms apart.
	Path check.PathConfig
	// PathInterval is how often each target's path is traced (default 1
	// min, the targets spread over it); ExplicitZero: never.
	PathInterval time.Duration
	// PathConcurrency bounds the paths traced at once (default 2: each
	// trace's raw socket also reads every echo reply of the streams).
	PathConcurrency int
	// Host, when set, samples the host every Interval.
	Host *check.HostConfig
	// Audit, when set, runs the connection audit.
	Audit *audit.Config
	// Rules are diagnose's thresholds.
	Rules diagnose.Config
	// RaiseAfter and ClearAfter are the hysteresis (defaults 3 and 5
	// evaluations); RaiseInfo raises information findings too (by
	// default only warnings and criticals are).
	RaiseAfter, ClearAfter int
	RaiseInfo              bool
	// RoundEvery is how often a round record (each target's echo
	// statistics since the last one) goes to the sinks (default 1 min);
	// ExplicitZero: never.
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

// SnapshotConfig says when a target's crossing of a threshold takes a
// snapshot (a trace and the socket table) into the sinks. The zero value
// takes none.
type SnapshotConfig struct {
	// MaxRTT: a snapshot when the median RTT of the target's window goes
	// above it.
	MaxRTT time.Duration
	// MaxLossPct: a snapshot when the loss of the target's window goes
	// above it (in %).
	MaxLossPct float64
	// Gap is the least time between two snapshots of a target (default 10
	// min).
	Gap time.Duration
	// Trace configures the snapshot's trace (defaults: icmp).
	Trace trace.Config
}

func (s SnapshotConfig) enabled() bool { return s.MaxRTT > 0 || s.MaxLossPct > 0 }

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
	switch x := v.(type) {
	case time.Duration:
		if x == ExplicitZero {
			v = 0
		}
	case int:
		if x == ExplicitZero {
			v = 0
		}
	case float64:
		if x == ExplicitZero {
			v = 0
		}
	}
	return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
}

// Validate reports the first field of c that cannot run (the engines'
// ConfigErrors for theirs), before anything is opened.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

func (c Config) withDefaults() (Config, error) {
	if len(c.Targets) == 0 && c.Host == nil {
		return c, bad("Targets", 0, "nothing to watch: give targets or host checks")
	}
	switch {
	case c.Interval == 0:
		c.Interval = DefaultInterval
	case c.Interval == ExplicitZero || c.Interval < 10*time.Millisecond || c.Interval > time.Hour:
		return c, bad("Interval", c.Interval, "want 10ms..1h")
	}
	if c.Echo.Interval == 0 {
		c.Echo.Interval = c.Interval
	}
	if c.MinSample == 0 {
		c.MinSample = DefaultMinSample
	}
	if c.MinSample == ExplicitZero || c.MinSample < 1 {
		return c, bad("MinSample", c.MinSample, "want at least 1 outcome")
	}
	switch {
	case c.PathInterval == 0:
		c.PathInterval = DefaultPathInterval
	case c.PathInterval == ExplicitZero:
		c.PathInterval = -1
	case c.PathInterval < c.Interval:
		return c, bad("PathInterval", c.PathInterval, "want at least the interval (%v), or 0 for no path rounds", c.Interval)
	}
	if c.PathConcurrency == 0 {
		c.PathConcurrency = 2
	}
	if c.PathConcurrency < 1 || c.PathConcurrency > 256 {
		return c, bad("PathConcurrency", c.PathConcurrency, "want 1..256")
	}
	c.Path.EchoInterval = -1
	if c.Path.RoundInterval == 0 {
		c.Path.RoundInterval = 50 * time.Millisecond
	}
	if c.Path.Duration == 0 && c.Path.RoundInterval > 0 {
		c.Path.Duration = DefaultPathRounds * c.Path.RoundInterval
	}
	if c.Path.Trace.Wait == 0 {
		c.Path.Trace.Wait = 2 * time.Second
	}
	if c.PathInterval > 0 && c.Path.Duration > c.PathInterval {
		return c, bad("Duration", c.Path.Duration, "path rounds longer than the path interval (%v)", c.PathInterval)
	}
	if c.RaiseAfter == 0 {
		c.RaiseAfter = DefaultRaiseAfter
	}
	if c.ClearAfter == 0 {
		c.ClearAfter = DefaultClearAfter
	}
	if c.RaiseAfter < 1 || c.ClearAfter < 1 {
		field, v := "RaiseAfter", c.RaiseAfter
		if c.ClearAfter < 1 {
			field, v = "ClearAfter", c.ClearAfter
		}
		return c, bad(field, v, "want at least 1 evaluation")
	}
	switch {
	case c.RoundEvery == 0:
		c.RoundEvery = DefaultRoundEvery
	case c.RoundEvery == ExplicitZero:
		c.RoundEvery = -1
	case c.RoundEvery < c.Interval:
		return c, bad("RoundEvery", c.RoundEvery, "want at least the interval (%v), or 0 for none", c.Interval)
	}
	s := &c.Snapshot
	switch {
	case s.MaxRTT == ExplicitZero || s.MaxRTT < 0:
		return c, bad("SnapshotRTT", s.MaxRTT, "want a positive RTT")
	case s.MaxLossPct == ExplicitZero || math.IsNaN(s.MaxLossPct) || s.MaxLossPct < 0 || s.MaxLossPct >= 100:
		return c, bad("SnapshotLossPct", s.MaxLossPct, "want a percentage above 0 and below 100")
	case s.Gap == 0:
		s.Gap = DefaultSnapshotGap
	case s.Gap < 0 || s.Gap == ExplicitZero:
		return c, bad("SnapshotGap", s.Gap, "want a positive time")
	}
	if s.Trace.Protocol == 0 {
		s.Trace.Protocol = trace.ICMP
	}
	if err := c.Rules.Validate(); err != nil {
		return c, err
	}
	if len(c.Targets) > 0 {
		if err := c.Echo.Validate(); err != nil {
			return c, err
		}
		// The window must be able to say a clean target is clean, or no
		// loss finding would ever clear.
		w := c.Echo.Window
		if w == 0 {
			w = check.DefaultEchoWindow
		}
		maxLoss := c.Rules.MaxLossPct
		if maxLoss == 0 {
			maxLoss = diagnose.DefaultMaxLossPct
		}
		if !(diagnose.Sample{K: 0, N: w}).Below(maxLoss) {
			need := w
			for !(diagnose.Sample{K: 0, N: need}).Below(maxLoss) && need < check.MaxEchoesWindow {
				need++
			}
			return c, bad("Window", w, "too small to tell a clean target from --max-loss %g%%: 0 lost of %d is still up to %.1f%%; want at least %d",
				maxLoss, w, hi(w), need)
		}
		if c.MinSample > w {
			return c, bad("MinSample", c.MinSample, "more than the window (%d)", w)
		}
		if c.PathInterval > 0 {
			if err := c.Path.Validate(); err != nil {
				return c, err
			}
		}
		if s.enabled() {
			if err := s.Trace.Validate(c.Targets[0].Addr); err != nil {
				return c, err
			}
		}
	}
	if c.Host != nil {
		if err := c.Host.Validate(); err != nil {
			return c, err
		}
	}
	if c.Hostname == "" {
		c.Hostname, _ = os.Hostname()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

func hi(n int) float64 {
	_, h := diagnose.Sample{K: 0, N: n}.Interval()
	return h
}
