package main

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/probe"
	"netdx/trace"
)

func traceCommand() *cli.Command {
	return &cli.Command{
		Name:      "trace",
		Usage:     "TTL-stepped traceroute (ICMP/UDP/TCP) with every ICMP unreachable decoded",
		ArgsUsage: "TARGET",
		Description: "All TTLs are in flight at once (paced by --pps); a silent hop costs one adaptive wait\n" +
			"(3 RTTs of the hops beyond it, at most -w), not -w per probe. Answers are matched to probes\n" +
			"by the quoted packet. Marks: !N !H !P !F-<mtu> !S !X !U !W !I !A !Z !Q !T !V !C, !<code>.\n" +
			"A probe shown as rate-limited got no answer from a hop that answered others.\n" +
			"--report -c N prints mtr-style statistics over N rounds.\n" +
			"Exit: 0 the target answered, 2 it did not (unreachable or max TTL), 3 bad input or no permission.",
		Flags: []cli.Flag{
			jsonFlag,
			&cli.StringFlag{Name: "P", Aliases: []string{"protocol"}, Value: "udp", Usage: "probe `PROTOCOL`: udp, icmp or tcp"},
			&cli.IntFlag{Name: "p", Aliases: []string{"port"}, Usage: "destination `PORT` (udp 33434, tcp 443)"},
			&cli.IntFlag{Name: "q", Aliases: []string{"queries"}, Usage: "`N` probes per hop (default 3; 1 with --report)"},
			&cli.IntFlag{Name: "f", Aliases: []string{"first-ttl"}, Value: 1, Usage: "first `TTL`"},
			&cli.IntFlag{Name: "m", Aliases: []string{"max-ttl"}, Value: 30, Usage: "max `TTL`"},
			&cli.Float64Flag{Name: "w", Aliases: []string{"wait"}, Value: 5, Usage: "wait at most `SECONDS` for an answer"},
			&cli.IntFlag{Name: "pps", Value: 1000, Usage: "send at most `N` probes a second (after a burst of 16)"},
			&cli.IntFlag{Name: "flows", Value: 1, Usage: "explore `N` flows (Paris-style: each keeps its ports/checksum)"},
			&cli.IntFlag{Name: "size", Usage: "probe payload `BYTES` (default 32)"},
			&cli.BoolFlag{Name: "mtu", Usage: "discover the path MTU (tracepath-style) and show the reply TTL"},
			&cli.BoolFlag{Name: "n", Usage: "numeric output: no reverse DNS"},
			&cli.BoolFlag{Name: "4", Usage: "IPv4 only"},
			&cli.BoolFlag{Name: "6", Usage: "IPv6 only"},
			&cli.StringFlag{Name: "s", Aliases: []string{"source"}, Usage: "source `ADDRESS`"},
			&cli.StringFlag{Name: "i", Aliases: []string{"interface"}, Usage: "send through `INTERFACE`"},
			&cli.BoolFlag{Name: "report", Aliases: []string{"r"}, Usage: "mtr-style report over -c rounds"},
			&cli.IntFlag{Name: "c", Aliases: []string{"count"}, Value: 10, Usage: "`N` rounds with --report"},
			&cli.Float64Flag{Name: "interval", Value: 1, Usage: "`SECONDS` between report rounds"},
			&cli.BoolFlag{Name: "unprivileged", Usage: "use no raw socket (UDP with IP_RECVERR, ICMP datagram sockets)"},
		},
		Action: traceAction,
	}
}

type traceOpts struct {
	cfg      trace.Config
	name     string
	family   string
	numeric  bool
	report   bool
	rounds   int
	interval time.Duration
}

func traceOptions(c *cli.Context) (traceOpts, error) {
	o := traceOpts{numeric: c.Bool("n"), report: c.Bool("report"), rounds: c.Int("c"), family: "ip"}
	if c.NArg() != 1 {
		return o, usageError("netdx trace: want one TARGET (see netdx trace --help)")
	}
	o.name = c.Args().First()
	switch {
	case c.Bool("4") && c.Bool("6"):
		return o, usageError("netdx trace: -4 and -6 exclude each other")
	case c.Bool("4"):
		o.family = "ip4"
	case c.Bool("6"):
		o.family = "ip6"
	}
	w := c.Float64("w")
	if w <= 0 || w > 60 || math.IsNaN(w) {
		return o, usageError("netdx trace: -w %v: want seconds in (0, 60]", w)
	}
	iv := c.Float64("interval")
	if iv < 0 || iv > 3600 || math.IsNaN(iv) {
		return o, usageError("netdx trace: --interval %v: want seconds in [0, 3600]", iv)
	}
	o.interval = time.Duration(iv * float64(time.Second))
	if o.report && (o.rounds < 1 || o.rounds > 100000) {
		return o, usageError("netdx trace: -c %d: want 1..100000 rounds", o.rounds)
	}
	pps := c.Int("pps")
	if pps < 1 {
		return o, usageError("netdx trace: --pps %d: want at least 1", pps)
	}
	o.cfg = trace.Config{
		Protocol: c.String("P"), Port: c.Int("p"), Queries: c.Int("q"),
		FirstTTL: c.Int("f"), MaxTTL: c.Int("m"), Wait: time.Duration(w * float64(time.Second)),
		PPS: pps, Flows: c.Int("flows"), Size: c.Int("size"), MTU: c.Bool("mtu"), Interface: c.String("i"),
	}
	if c.IsSet("p") && o.cfg.Port == 0 {
		return o, usageError("netdx trace: -p 0: want a port in 1..65535")
	}
	if c.IsSet("q") && o.cfg.Queries == 0 {
		return o, usageError("netdx trace: -q 0: want 1..10 probes per hop")
	}
	if c.IsSet("size") && o.cfg.Size == 0 {
		return o, usageError("netdx trace: --size 0: want at least 8 bytes")
	}
	if c.Bool("unprivileged") {
		o.cfg.Mode = probe.ModeDatagram
	}
	if s := c.String("s"); s != "" {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return o, usageError("netdx trace: -s %q: not an IP address", s)
		}
		o.cfg.Source = a.Unmap()
	}
	return o, nil
}

func traceAction(c *cli.Context) error {
	o, err := traceOptions(c)
	if err != nil {
		return err
	}
	addr, err := resolve(c.Context, o.name, o.family)
	if err != nil {
		return withCode(exitUnknown, fmt.Errorf("netdx trace: %s: %w", o.name, err))
	}
	if o.cfg.Source.IsValid() && o.cfg.Source.Is4() != addr.Is4() {
		return usageError("netdx trace: source %s and target %s are of different families", o.cfg.Source, addr)
	}
	if err := o.cfg.Validate(addr); err != nil {
		return usageError("netdx %v", err)
	}
	names := &trace.Names{}
	defer names.Close()
	if !o.numeric {
		o.cfg.OnAnswer = names.Prefetch
	}
	o.cfg.OnReady = dropCaps(c.App.ErrWriter, "trace")
	text := !wantJSON(c)
	r := &traceRenderer{w: c.App.Writer, numeric: o.numeric, names: names, mtu: o.cfg.MTU}
	if o.report {
		rep, err := trace.RunReport(c.Context, addr, o.cfg, trace.Rounds{Count: o.rounds, Interval: o.interval})
		rep.Target = o.name
		if err = traceErr(err); err != nil && len(rep.Hops) == 0 {
			return err
		}
		if text {
			r.report(rep)
		} else if jerr := writeJSON(c.App.Writer, rep); jerr != nil {
			return jerr
		}
		return withCode(traceCode(rep.Reached, err), err)
	}
	if text {
		r.header(o.name, addr, o.cfg)
		r.start()
		o.cfg.OnHop = r.hop
	}
	res, err := trace.Run(c.Context, addr, o.cfg)
	res.Target = o.name
	if err = traceErr(err); err != nil && len(res.Hops) == 0 {
		r.close()
		return err
	}
	if text {
		r.footer(res)
	} else if jerr := writeJSON(c.App.Writer, res); jerr != nil {
		return jerr
	}
	return withCode(traceCode(res.Reached, err), err)
}

// traceErr adds the fix to permission errors.
func traceErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, trace.ErrConfig):
		return usageError("netdx %v", err)
	case errors.Is(err, probe.ErrPermission), errors.Is(err, trace.ErrPermission):
		return withCode(exitUnknown, fmt.Errorf("netdx %w", err))
	}
	return withCode(exitUnknown, fmt.Errorf("netdx %w", err))
}

func traceCode(reached bool, err error) int {
	switch {
	case err != nil:
		return exitUnknown
	case reached:
		return exitOK
	}
	return exitCritical
}
