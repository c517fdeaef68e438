package main

import (
	"fmt"
	"io"
	"time"

	"netdx/diagnose"
	"netdx/dialect/fping"
	"netdx/dialect/iputils"
	"netdx/dialect/nagios"
	"netdx/dialect/netdx"
	"netdx/probe"

	"github.com/urfave/cli/v2"
)

// pingView is how a run is shown: like iputils ping (one target), like
// fping (several targets, or fping's flags), as check_ping's line
// (thresholds) or as one JSON document. Send errors go to stderr in every
// view, in the words of iputils or fping.
type pingView struct {
	w       io.Writer
	json    bool
	nagios  *nagios.Thresholds
	iputils *iputils.View // one target, iputils' flags
	fping   *fping.View   // several targets, or fping's flags
}

// newPingView is the view the flags ask for, for n targets.
func newPingView(c *cli.Context, th *nagios.Thresholds, n int) *pingView {
	v := &pingView{w: c.App.Writer, json: wantJSON(c), nagios: th}
	if w, ew, quiet, verbose := c.App.Writer, c.App.ErrWriter, c.Bool("q"), c.Bool("v"); fpingDialect(c) || n > 1 {
		v.fping = &fping.View{W: w, EW: ew, Quiet: quiet, Verbose: verbose, Lists: c.IsSet("C")}
	} else {
		v.iputils = &iputils.View{W: w, EW: ew, Quiet: quiet, Verbose: verbose}
	}
	return v
}

// text reports whether replies are shown as they come.
func (v *pingView) text() bool { return !v.json && v.nagios == nil }

// hook sets the engine's callbacks: drop privileges once the sockets are
// open (then iputils' header), and live lines for each event.
func (v *pingView) hook(cfg *probe.Config, targets []probe.Target, drop func()) {
	cfg.OnReady = drop
	if v.text() && v.iputils != nil {
		cfg.OnReady = func() {
			drop()
			v.iputils.Header(targets[0], cfg.Size)
		}
	}
	if v.fping != nil {
		v.fping.Start(targets)
	}
	cfg.OnEvent = func(ev probe.Event) {
		if ev.Kind != probe.EventSendError && !v.text() {
			return
		}
		if t := targets[ev.Target]; v.fping != nil {
			v.fping.Event(t, ev)
		} else {
			v.iputils.Event(t, ev)
		}
	}
}

// summary prints the end of a run (also when interrupted: the statistics
// so far).
func (v *pingView) summary(all []probe.Result, code int, elapsed time.Duration, interrupted bool) error {
	switch {
	case v.json:
		return netdx.WriteJSON(v.w, netdx.PingJSON{Status: diagnose.Status(code), Targets: all, Interrupted: interrupted})
	case v.nagios != nil:
		for _, r := range all {
			fmt.Fprintln(v.w, nagios.CheckPingLine(r, *v.nagios))
		}
	case v.fping != nil:
		v.fping.Summary(all)
	default:
		v.iputils.Summary(all[0], elapsed)
	}
	return nil
}

// pingCode is the exit code of a run: 3 when a target could not be pinged
// at all, else the thresholds' verdict, else 2 when a target never
// answered.
func pingCode(results []probe.Result, th *nagios.Thresholds) int {
	code := exitOK
	for _, r := range results {
		var c int
		switch {
		case r.Error != "":
			return exitUnknown
		case th != nil:
			c = int(nagios.CheckPingState(r, *th))
		case r.Received == 0:
			c = exitCritical
		}
		code = max(code, c)
	}
	return code
}
