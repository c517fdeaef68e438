package check

import (
	"time"

	"netdx/probe"
	"netdx/trace"
)

// Bounds of StreamConfig.
const (
	// MaxWindow bounds Window; MaxEchoWindow bounds EchoWindow.
	MaxWindow     = 100000
	MaxEchoWindow = 1000000
	// minPacedEcho and maxPacedEcho clamp the echo interval Paced derives
	// (a tenth of the round interval).
	minPacedEcho = 10 * time.Millisecond
	maxPacedEcho = time.Second
)

// StreamConfig configures a continuous path check; start from
// DefaultStreamConfig. Every field is taken as it is.
type StreamConfig struct {
	// Trace configures the trace rounds.
	Trace trace.Config
	// RoundInterval is the time between the starts of two rounds (at
	// least 1 ms).
	RoundInterval time.Duration
	// EchoInterval paces the echo stream.
	EchoInterval time.Duration
	// NoEcho runs no echo stream: loss to the target is then read from
	// the trace's own probes to it (EchoInterval, EchoTimeout and
	// EchoWindow are not used).
	NoEcho bool
	// EchoTimeout bounds the wait for an echo reply.
	EchoTimeout time.Duration
	// Mode is the ICMP socket kind of the echo stream.
	Mode probe.Mode
	// Window is how many of the last rounds the evidence holds (at most
	// MaxWindow).
	Window int
	// EchoWindow is how many of the last echo requests the evidence holds
	// (at most MaxEchoWindow).
	EchoWindow int
	// OnReady, if set, is called once, when the sockets of the rounds and
	// of the echo stream are all open, before the first round completes
	// (to drop privileges, say).
	OnReady func()
}

// DefaultStreamConfig traces the path with mtr's rounds (ICMP, one probe a
// hop) once a second, sends ten echo requests a second (each awaited 1 s),
// and keeps the last 600 rounds and the echo requests of the same 10
// minutes.
func DefaultStreamConfig() StreamConfig {
	tc := trace.DefaultReportConfig()
	tc.Protocol, tc.Port = trace.ICMP, trace.ICMP.DefaultPort()
	return StreamConfig{Trace: tc, EchoTimeout: time.Second, Window: 600}.Paced(time.Second)
}

// Paced is c with rounds every round, and its echo stream paced to match
// as DefaultStreamConfig's is: an echo request every tenth of the round
// interval (within 10 ms..1 s), and an echo window spanning the same time
// as the Window rounds.
func (c StreamConfig) Paced(round time.Duration) StreamConfig {
	c.RoundInterval = round
	c.EchoInterval = min(max(round/10, minPacedEcho), maxPacedEcho)
	span := time.Duration(c.Window) * round
	c.EchoWindow = int(min(max(int64(span/c.EchoInterval), 1), MaxEchoWindow))
	return c
}

// Validate reports (as a *ConfigError, or the trace's *trace.ConfigError;
// both match their ErrConfig) what makes c unfit to stream the path to t,
// before any socket is opened.
func (c StreamConfig) Validate(t Target) error {
	if c.RoundInterval < time.Millisecond || c.RoundInterval > trace.MaxReportInterval {
		return bad("RoundInterval", c.RoundInterval, "want an interval between rounds of 1ms..%v", trace.MaxReportInterval)
	}
	if c.Window < 1 || c.Window > MaxWindow {
		return bad("Window", c.Window, "want 1..%d rounds", MaxWindow)
	}
	if !c.NoEcho {
		switch {
		case c.EchoInterval < time.Millisecond || c.EchoInterval > trace.MaxReportInterval:
			return bad("EchoInterval", c.EchoInterval, "want an echo interval of 1ms..%v", trace.MaxReportInterval)
		case c.EchoTimeout < time.Millisecond || c.EchoTimeout > time.Minute:
			return bad("EchoTimeout", c.EchoTimeout, "want an echo timeout of 1ms..1m0s")
		case c.EchoWindow < 1 || c.EchoWindow > MaxEchoWindow:
			return bad("EchoWindow", c.EchoWindow, "want 1..%d echo requests", MaxEchoWindow)
		}
	}
	return c.Trace.Validate(t.Addr)
}
