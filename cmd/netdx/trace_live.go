package main

import (
	"fmt"
	"os"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/urfave/cli/v2"

	"netdx/check"
	"netdx/dialect/mtr"
	"netdx/dialect/traceroute"
	"netdx/trace"
	"netdx/tui"
)

var liveFlag = &cli.BoolFlag{Name: "live", Usage: "full-screen live view, mtr's screen with diagnose's verdict, a tab per TARGET " +
	"(ICMP unless -P; --interval between rounds, -c N quits after N rounds; keys: q p r n d j, tab)"}

// maxLiveTargets bounds the tabs of one live view.
const maxLiveTargets = 16

// traceLive is `netdx trace --live TARGET...`: flags → one stream per
// target → the view until q, Ctrl-C, -c rounds or a signal → the terminal
// as it was, then each target's report (the --report text of the rounds
// on screen) on stdout → exit code (0 every target answered, 2 one did
// not, 3 bad input).
func traceLive(c *cli.Context) error {
	if c.NArg() < 1 || c.NArg() > maxLiveTargets {
		return usageError("netdx trace: --live wants 1 to %d TARGETs (see netdx trace --help)", maxLiveTargets)
	}
	for _, f := range []string{"report", "mtu"} {
		if c.Bool(f) {
			return usageError("netdx trace: --live and --%s exclude each other", f)
		}
	}
	if wantJSON(c) {
		return usageError("netdx trace: --live draws a screen; --json is for plain and --report traces")
	}
	sc, view, err := liveConfigs(c)
	if err != nil {
		return err
	}
	family, err := addrFamily(c)
	if err != nil {
		return err
	}
	out, ok := c.App.Writer.(*os.File)
	if !ok || !term.IsTerminal(out.Fd()) {
		return usageError("netdx trace: --live draws on a terminal and stdout is not one (use --report for text)")
	}
	targets, err := argTargets(c, family)
	if err != nil {
		return err
	}
	names := &trace.Names{}
	defer names.Close()
	opt := tui.Options{View: view, Output: out, OnReady: dropCaps(c.App.ErrWriter, "trace")}
	p := &traceroute.Printer{}
	if !c.Bool("n") {
		opt.Names, p.Names = names, names
	}
	layout := mtr.Layout{Start: time.Now(), Local: localName(), Wide: true}
	snaps, err := tui.Run(c.Context, targets, sc, opt)
	if err != nil {
		return failure(c, configFlags["trace"], err)
	}
	// The terminal is as it was: the rounds on screen, as --report prints
	// them.
	reached := true
	for i, sn := range snaps {
		rep := trace.Summarize(sn.Evidence.Rounds)
		rep.Target, rep.Addr, rep.Protocol = targets[i].Name, targets[i].Addr, sn.Evidence.Protocol
		if rep.Hops == nil {
			rep.Hops = []trace.ReportHop{}
		}
		fmt.Fprintf(c.App.Writer, "Target: %s (%s)\n", rep.Target, rep.Addr)
		mtr.Report(c.App.Writer, rep, layout, p.Host)
		reached = reached && rep.Reached
	}
	return withCode(traceCode(reached), nil)
}

// liveConfigs are the streams' config, from check's defaults with the
// trace's flags (--interval paces the rounds), and the view's (-c rounds,
// or until q), validated.
func liveConfigs(c *cli.Context) (check.StreamConfig, tui.Config, error) {
	sc, view := check.DefaultStreamConfig(), tui.DefaultConfig()
	cfg, err := traceConfig(c, sc.Trace)
	if err != nil {
		return sc, view, err
	}
	rc, err := reportRounds(c)
	if err != nil {
		return sc, view, err
	}
	sc.Trace, sc.Mode = cfg, cfg.Mode
	if c.IsSet("interval") {
		sc = sc.Paced(rc.Interval)
	}
	err = sc.Validate(check.Target{}) // the trace's fields too
	if err == nil && c.IsSet("c") {
		view.Rounds = rc.Count
		err = trace.ValidateReport(rc.Count, sc.RoundInterval)
	}
	return sc, view, failure(c, configFlags["trace"], err)
}
