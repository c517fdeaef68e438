package main

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/check"
	"netdx/dialect/mtr"
	"netdx/dialect/netdx"
	"netdx/dialect/traceroute"
	"netdx/probe"
	"netdx/trace"
)

func traceCommand() *cli.Command {
	d, rep, rounds := trace.DefaultConfig(), trace.DefaultReportConfig(), trace.DefaultReportRounds()
	return &cli.Command{
		Name:      "trace",
		Usage:     "TTL-stepped traceroute (ICMP/UDP/TCP) with every ICMP unreachable decoded",
		ArgsUsage: "TARGET",
		Description: "All TTLs are in flight at once (paced by --pps); a silent hop costs one adaptive wait\n" +
			"(3 RTTs of the hops beyond it, at most -w), not -w per probe. Answers are matched to probes\n" +
			"by the quoted packet. Marks: !N !H !P !F-<mtu> !S !X !U !W !I !A !Z !Q !T !V !C, !<code>.\n" +
			"A probe shown as rate-limited got no answer from a hop that answered others.\n" +
			"--report -c N prints mtr --report's table over N rounds (--wide adds netdx's columns).\n" +
			"Ctrl-C (or SIGTERM) prints the hops measured so far.\n" +
			"Exit: 0 the target answered, 2 it did not (unreachable or max TTL), 3 bad input or no permission.",
		Flags: []cli.Flag{
			jsonFlag,
			&cli.StringFlag{Name: "P", Aliases: []string{"protocol"}, Usage: protocolUsage("probe", d.Protocol, ""), DefaultText: d.Protocol.String()},
			&cli.IntFlag{Name: "p", Aliases: []string{"port"}, Usage: "destination `PORT`", DefaultText: portDefaults()},
			&cli.IntFlag{Name: "q", Aliases: []string{"queries"}, Usage: "`N` probes per hop", DefaultText: fmt.Sprintf("%d; %d with --report", d.Queries, rep.Queries)},
			&cli.IntFlag{Name: "f", Aliases: []string{"first-ttl"}, Usage: "first `TTL`", DefaultText: fmt.Sprint(d.FirstTTL)},
			&cli.IntFlag{Name: "m", Aliases: []string{"max-ttl"}, Usage: "max `TTL`", DefaultText: fmt.Sprint(d.MaxTTL)},
			&cli.Float64Flag{Name: "w", Aliases: []string{"wait"}, Usage: "wait at most `SECONDS` for an answer", DefaultText: secondsText(d.Wait)},
			&cli.IntFlag{Name: "pps", Usage: "send at most `N` probes a second (after a burst of 16)", DefaultText: fmt.Sprint(d.PPS)},
			&cli.IntFlag{Name: "flows", Usage: "explore `N` flows (Paris-style: each keeps its ports/checksum)", DefaultText: fmt.Sprint(d.Flows)},
			&cli.IntFlag{Name: "size", Usage: "probe payload `BYTES`", DefaultText: fmt.Sprint(d.Size)},
			&cli.BoolFlag{Name: "mtu", Usage: "discover the path MTU (tracepath-style) and show the reply TTL"},
			&cli.BoolFlag{Name: "n", Usage: "numeric output: no reverse DNS"},
			&cli.BoolFlag{Name: "4", Usage: "IPv4 only"},
			&cli.BoolFlag{Name: "6", Usage: "IPv6 only"},
			&cli.StringFlag{Name: "s", Aliases: []string{"source"}, Usage: "source `ADDRESS`"},
			&cli.StringFlag{Name: "i", Aliases: []string{"interface"}, Usage: "send through `INTERFACE`"},
			&cli.BoolFlag{Name: "report", Aliases: []string{"r"}, Usage: "mtr-style report over -c rounds"},
			liveFlag,
			&cli.IntFlag{Name: "c", Aliases: []string{"count"}, Value: rounds.Count, Usage: "`N` rounds with --report"},
			&cli.BoolFlag{Name: "wide", Usage: "with --report: whole host names (mtr --report-wide) and netdx's columns after mtr's: Fwd% (forward loss), Lim (rate-limited), the unreachable mark"},
			&cli.Float64Flag{Name: "interval", Value: rounds.Interval.Seconds(), Usage: "`SECONDS` between report rounds"},
			&cli.BoolFlag{Name: "unprivileged", Usage: "use no raw socket (UDP with IP_RECVERR, ICMP datagram sockets)"},
			&cli.BoolFlag{Name: "v", Aliases: []string{"verbose"}, Usage: "say which probes a rate-limited hop left unanswered (\"(2 rate-limited)\"), beyond traceroute's line"},
		},
		Action: traceAction,
	}
}

// traceConfig turns trace's flags into the engine's config, from cfg (a
// default: traceroute's, a report's or a stream's rounds'). It parses;
// the engine validates.
func traceConfig(c *cli.Context, cfg trace.Config) (trace.Config, error) {
	if err := setProtocol(c, configFlags["trace"], &cfg); err != nil {
		return cfg, err
	}
	for name, field := range map[string]*int{"p": &cfg.Port, "q": &cfg.Queries, "f": &cfg.FirstTTL, "m": &cfg.MaxTTL,
		"pps": &cfg.PPS, "flows": &cfg.Flows, "size": &cfg.Size} {
		set(c, name, c.Int, field)
	}
	set(c, "mtu", c.Bool, &cfg.MTU)
	set(c, "i", c.String, &cfg.Interface)
	if err := setSeconds(c, "w", &cfg.Wait); err != nil {
		return cfg, err
	}
	if c.Bool("unprivileged") {
		cfg.Mode = probe.ModeDatagram
	}
	if s := c.String("s"); s != "" {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return cfg, usageError("netdx trace: -s %s: not an IP address", s)
		}
		cfg.Source = a.Unmap()
	}
	return cfg, nil
}

// reportRounds are the rounds --report (or --live) asks for: -c and
// --interval over mtr's defaults.
func reportRounds(c *cli.Context) (trace.Rounds, error) {
	rc := trace.DefaultReportRounds()
	if !c.Bool("report") && !c.Bool("live") {
		for _, f := range []string{"c", "interval", "wide"} {
			if c.IsSet(f) {
				return rc, usageError("netdx trace: %s is for --report", dashed(f))
			}
		}
		return rc, nil
	}
	set(c, "c", c.Int, &rc.Count)
	return rc, setSeconds(c, "interval", &rc.Interval)
}

// setProtocol sets cfg's protocol from -P, when given, with that
// protocol's port; or returns the usage line that names the flag and the
// value given.
func setProtocol(c *cli.Context, flags fieldFlags, cfg *trace.Config) error {
	if !c.IsSet("P") {
		return nil
	}
	p, err := trace.ParseProtocol(c.String("P"))
	if err != nil {
		return failure(c, flags, err)
	}
	cfg.Protocol, cfg.Port = p, p.DefaultPort()
	return nil
}

// protocolUsage is -P's help: what the protocol is for, then trace's
// protocols, the command's default first (with why, if given).
func protocolUsage(what string, def trace.Protocol, why string) string {
	names := []string{def.String() + why}
	for _, p := range trace.Protocols() {
		if p != def {
			names = append(names, p.String())
		}
	}
	last := len(names) - 1
	return fmt.Sprintf("%s `PROTOCOL`: %s or %s", what, strings.Join(names[:last], ", "), names[last])
}

// portDefaults is -p's default, for its help: each protocol's port
// ("udp 33434, tcp 443").
func portDefaults() string {
	var out []string
	for _, p := range trace.Protocols() {
		if port := p.DefaultPort(); port != 0 {
			out = append(out, fmt.Sprintf("%s %d", p, port))
		}
	}
	return strings.Join(out, ", ")
}

// traceAction: flags → trace.Config → trace.Run (or RunReport) → text or
// JSON → exit code. Bad input fails before anything is printed: the
// header waits until the sockets are open.
func traceAction(c *cli.Context) error {
	if c.Bool("live") {
		return traceLive(c)
	}
	if c.NArg() != 1 {
		return usageError("netdx trace: want one TARGET (see netdx trace --help)")
	}
	cfg, rc, err := traceConfigs(c)
	if err != nil {
		return err
	}
	family, err := addrFamily(c)
	if err != nil {
		return err
	}
	targets, err := argTargets(c, family)
	if err != nil {
		return err
	}
	if err := cfg.Validate(targets[0].Addr); err != nil {
		return failure(c, configFlags["trace"], err)
	}
	names := &trace.Names{}
	defer names.Close()
	p := &traceroute.Printer{W: c.App.Writer, MTU: cfg.MTU, Verbose: c.Bool("v")}
	if !c.Bool("n") {
		cfg.OnAnswer, p.Names = names.Prefetch, names
	}
	cfg.OnReady = dropCaps(c.App.ErrWriter, "trace")
	if c.Bool("report") {
		return traceReport(c, targets[0], cfg, rc, p)
	}
	return tracePlain(c, targets[0], cfg, p)
}

// traceConfigs are the trace's config, from traceroute's defaults or a
// report's, and --report's rounds, validated but for the target.
func traceConfigs(c *cli.Context) (trace.Config, trace.Rounds, error) {
	base := trace.DefaultConfig()
	if c.Bool("report") {
		base = trace.DefaultReportConfig()
	}
	cfg, err := traceConfig(c, base)
	if err != nil {
		return cfg, trace.Rounds{}, err
	}
	rc, err := reportRounds(c)
	if err != nil {
		return cfg, rc, err
	}
	if err = cfg.Validate(netip.Addr{}); err == nil && c.Bool("report") {
		err = trace.ValidateReport(rc.Count, rc.Interval)
	}
	return cfg, rc, failure(c, configFlags["trace"], err)
}

// traceReport: --report's rounds → mtr's table, or the report's JSON with
// mtr's document.
func traceReport(c *cli.Context, t check.Target, cfg trace.Config, rc trace.Rounds, p *traceroute.Printer) error {
	layout := mtr.Layout{Start: time.Now(), Local: localName(), Wide: c.Bool("wide")}
	rep, err := trace.RunReport(c.Context, t.Addr, cfg, rc)
	rep.Target = t.Name
	if err != nil && !partial(c, err) {
		return failure(c, configFlags["trace"], err)
	}
	if !wantJSON(c) {
		mtr.Report(c.App.Writer, rep, layout, p.Host)
	} else if err := netdx.WriteJSON(c.App.Writer, netdx.TraceReportJSON{Report: rep,
		MTR: mtr.NewJSON(rep, layout.Local, cfg.Protocol.PacketSize(t.Addr.Is6(), cfg.Size))}); err != nil {
		return err
	}
	return withCode(traceCode(rep.Reached), nil)
}

// tracePlain: one trace → traceroute's lines as the hops complete, or the
// result's JSON.
func tracePlain(c *cli.Context, t check.Target, cfg trace.Config, p *traceroute.Printer) error {
	text := !wantJSON(c)
	if text {
		drop := cfg.OnReady
		cfg.OnReady = func() {
			drop()
			traceroute.Header(p.W, t.Name, t.Addr, cfg.MaxTTL, cfg.Protocol.PacketSize(t.Addr.Is6(), cfg.Size))
			p.Start()
		}
		cfg.OnHop = p.Hop
	}
	res, err := trace.Run(c.Context, t.Addr, cfg)
	res.Target = t.Name
	p.Close()
	if err != nil && !partial(c, err) {
		return failure(c, configFlags["trace"], err)
	}
	if text {
		p.Footer(res)
	} else if err := netdx.WriteJSON(c.App.Writer, res); err != nil {
		return err
	}
	return withCode(traceCode(res.Reached), nil)
}

// localName is this host's name for mtr's "HOST:" line, as mtr takes it
// (gethostname).
func localName() string {
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return "localhost"
}

// traceCode is the exit code of what was measured: 0 the target answered,
// 2 it did not (unreachable, max TTL, or not before an interrupt).
func traceCode(reached bool) int {
	if reached {
		return exitOK
	}
	return exitCritical
}
