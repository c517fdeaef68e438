package check

import (
	"fmt"
	"time"

	"netdx/probe"
	"netdx/trace"
)

// Defaults and bounds of StreamConfig.
const (
	// DefaultStreamRoundInterval paces a stream's trace rounds: mtr's
	// one a second.
	DefaultStreamRoundInterval = time.Second
	// DefaultWindow is how many rounds a stream keeps (10 minutes at the
	// default interval).
	DefaultWindow = 600
	// MaxWindow bounds Window; MaxEchoWindow bounds EchoWindow.
	MaxWindow     = 100000
	MaxEchoWindow = 1000000
	// minDefaultEcho and maxDefaultEcho clamp the default echo interval
	// (a tenth of the round interval).
	minDefaultEcho = 10 * time.Millisecond
	maxDefaultEcho = time.Second
)

// StreamConfig configures a continuous path check. The zero value traces
// the path with ICMP once a second, sends ten echo requests a second, and
// keeps the last 600 rounds and the echo requests of the same 10 minutes.
type StreamConfig struct {
	// Trace configures the trace rounds (Protocol 0 means ICMP, as for
	// Path). Queries and Retries keep report defaults.
	Trace trace.Config
	// RoundInterval is the time between the starts of two rounds
	// (default 1 s, at least 1 ms).
	RoundInterval time.Duration
	// EchoInterval paces the echo stream (default a tenth of the round
	// interval, within 10 ms..1 s); negative: no echo stream (loss to the
	// target is then read from the trace's own probes to it).
	EchoInterval time.Duration
	// EchoTimeout bounds the wait for an echo reply (default 1 s).
	EchoTimeout time.Duration
	// Mode is the ICMP socket kind of the echo stream.
	Mode probe.Mode
	// Window is how many of the last rounds the evidence holds (default
	// 600, at most MaxWindow).
	Window int
	// EchoWindow is how many of the last echo requests the evidence holds
	// (default: as many as are sent in the time Window rounds take, at
	// most MaxEchoWindow).
	EchoWindow int
	// OnReady, if set, is called once, when the sockets of the rounds and
	// of the echo stream are all open, before the first round completes
	// (to drop privileges, say).
	OnReady func()
}

func shownDuration(d time.Duration) time.Duration {
	if d == ExplicitZero {
		return 0
	}
	return d
}

func shownInt(n int) int {
	if n == ExplicitZero {
		return 0
	}
	return n
}

func (c StreamConfig) withDefaults() (StreamConfig, error) {
	if c.Trace.Protocol == 0 {
		c.Trace.Protocol = trace.ICMP
	}
	if c.RoundInterval == 0 {
		c.RoundInterval = DefaultStreamRoundInterval
	}
	if c.RoundInterval < time.Millisecond || c.RoundInterval > trace.MaxReportInterval {
		return c, &ConfigError{Field: "RoundInterval", Value: shownDuration(c.RoundInterval),
			Reason: fmt.Sprintf("want an interval between rounds of 1ms..%v", trace.MaxReportInterval)}
	}
	if c.EchoInterval == 0 {
		c.EchoInterval = min(max(c.RoundInterval/10, minDefaultEcho), maxDefaultEcho)
	}
	if c.EchoInterval == ExplicitZero || (c.EchoInterval > 0 && c.EchoInterval < time.Millisecond) || c.EchoInterval > trace.MaxReportInterval {
		return c, &ConfigError{Field: "EchoInterval", Value: shownDuration(c.EchoInterval),
			Reason: fmt.Sprintf("want an echo interval of 1ms..%v (negative: no echo stream)", trace.MaxReportInterval)}
	}
	if c.EchoTimeout == 0 {
		c.EchoTimeout = DefaultEchoTimeout
	}
	if c.EchoTimeout < time.Millisecond || c.EchoTimeout > time.Minute {
		return c, &ConfigError{Field: "EchoTimeout", Value: shownDuration(c.EchoTimeout), Reason: "want an echo timeout of 1ms..1m0s"}
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.Window < 1 || c.Window > MaxWindow {
		return c, &ConfigError{Field: "Window", Value: shownInt(c.Window), Reason: fmt.Sprintf("want 1..%d rounds", MaxWindow)}
	}
	if c.EchoWindow == 0 && c.EchoInterval > 0 {
		span := time.Duration(c.Window) * c.RoundInterval
		c.EchoWindow = int(min(max(int64(span/c.EchoInterval), 1), MaxEchoWindow))
	}
	if c.EchoInterval > 0 && (c.EchoWindow < 1 || c.EchoWindow > MaxEchoWindow) {
		return c, &ConfigError{Field: "EchoWindow", Value: shownInt(c.EchoWindow), Reason: fmt.Sprintf("want 1..%d echo requests", MaxEchoWindow)}
	}
	return c, nil
}

// Validate reports (as a *ConfigError, or the trace's *trace.ConfigError;
// both match their ErrConfig) what makes c unfit to stream the path to t,
// before any socket is opened.
func (c StreamConfig) Validate(t Target) error {
	c, err := c.withDefaults()
	if err != nil {
		return err
	}
	return c.Trace.Validate(t.Addr)
}

// WithDefaults returns c as a Stream runs it: every zero field set to its
// default, or the error Validate reports.
func (c StreamConfig) WithDefaults() (StreamConfig, error) { return c.withDefaults() }
