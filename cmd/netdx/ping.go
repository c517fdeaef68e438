package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/probe"
)

func pingCommand() *cli.Command {
	return &cli.Command{
		Name:      "ping",
		Usage:     "ICMP echo (IPv4/IPv6) to one or many targets",
		ArgsUsage: "TARGET...",
		Description: "One target reads like iputils ping, several like fping -c. RTTs come from kernel\n" +
			"receive timestamps; replies are checked (id, sequence, a per-run token, send time,\n" +
			"checksum) and those that fail are counted as invalid, never as received.\n" +
			"-c and -w are a count and a deadline; given as RTA,LOSS% (e.g. -w 100,20% -c 500,60%)\n" +
			"they are check_ping thresholds and netdx prints check_ping's line (-p packets, default 5).\n" +
			"Exit: 0 every target answered (within thresholds), 1 warning, 2 a target never\n" +
			"answered or critical, 3 bad input, unresolvable name or no permission.",
		Flags: []cli.Flag{
			jsonFlag,
			&cli.StringFlag{Name: "c", Usage: "stop after `COUNT` echo requests per target; or RTA,LOSS% critical threshold"},
			&cli.StringFlag{Name: "i", Usage: "`SECONDS` between requests to a target (default 1; below 0.002 needs raw privileges)"},
			&cli.StringFlag{Name: "W", Usage: "`SECONDS` to wait for each reply (default 2)"},
			&cli.StringFlag{Name: "w", Usage: "stop after `SECONDS` in all; or RTA,LOSS% warning threshold"},
			&cli.IntFlag{Name: "p", Aliases: []string{"packets"}, Usage: "`PACKETS` per target in threshold (check_ping) mode", DefaultText: "5"},
			&cli.IntFlag{Name: "s", Value: probe.DefaultPayload, Usage: "payload `BYTES` (at least 16: token and send time)"},
			&cli.IntFlag{Name: "t", Usage: "`TTL` / hop limit", DefaultText: "the kernel's, usually 64"},
			&cli.StringFlag{Name: "Q", Usage: "`TOS` / traffic class (decimal or 0x hex)"},
			&cli.StringFlag{Name: "M", Usage: "path MTU discovery: `do` (set DF, never fragment) or dont (let the kernel fragment)"},
			&cli.BoolFlag{Name: "4", Usage: "IPv4 only"},
			&cli.BoolFlag{Name: "6", Usage: "IPv6 only"},
			&cli.BoolFlag{Name: "n", Usage: "numeric output (netdx never looks names up in reverse)"},
			&cli.BoolFlag{Name: "q", Usage: "quiet: statistics only"},
			&cli.StringFlag{Name: "I", Usage: "source `ADDRESS` or interface name"},
			&cli.Float64Flag{Name: "rate", Value: probe.DefaultRate, Usage: "at most `N` requests a second in all (one socket per family for all targets)"},
			&cli.BoolFlag{Name: "privileged", Usage: "force a raw socket (needs CAP_NET_RAW)"},
			&cli.BoolFlag{Name: "unprivileged", Usage: "force an ICMP datagram socket (needs net.ipv4.ping_group_range)"},
		},
		Action: pingAction,
	}
}

// pingOpts is the command line, checked: everything but the engine call.
type pingOpts struct {
	cfg    probe.Config
	names  []string
	family string // "ip", "ip4" or "ip6"
	quiet  bool
	json   bool
	nagios *thresholds // nil without -w/-c thresholds
}

func pingAction(c *cli.Context) error {
	o, err := pingOptions(c)
	if err != nil {
		return err
	}
	targets, bad := resolveTargets(c.Context, o.names, o.family)
	for _, b := range bad {
		fmt.Fprintf(c.App.ErrWriter, "netdx ping: %s: %s\n", b.Target, b.Error)
	}
	var results []probe.Result
	start := time.Now()
	if len(targets) > 0 {
		single := len(o.names) == 1
		text := !o.json && o.nagios == nil
		drop := dropCaps(c.App.ErrWriter, "ping")
		o.cfg.OnReady = drop
		if text && single {
			o.cfg.OnReady = func() {
				drop()
				printHeader(c.App.Writer, targets[0], o.cfg.Size)
			}
		}
		live := liveOutput(c.App.Writer, c.App.ErrWriter, targets, single)
		o.cfg.OnEvent = func(ev probe.Event) {
			// Send errors go to stderr in every mode.
			if ev.Kind == probe.EventSendError || (text && !o.quiet) {
				live(ev)
			}
		}
		results, err = probe.Ping(c.Context, o.cfg, targets)
		if err != nil {
			return pingError(err)
		}
	}
	elapsed := time.Since(start)
	all := mergeResults(o.names, results, bad)
	code := pingCode(all, o.nagios)
	w := c.App.Writer
	switch {
	case o.json:
		if err := writeJSON(w, pingDoc{Status: statusName(code), Targets: all, Interrupted: c.Context.Err() != nil}); err != nil {
			return err
		}
	case o.nagios != nil:
		for _, r := range all {
			fmt.Fprintln(w, nagiosLine(r, *o.nagios))
		}
	case len(results) == 0:
		// Every name failed and was reported on stderr.
	case len(o.names) == 1:
		printSummary(w, results[0], elapsed)
	default:
		printFpingSummary(w, all)
	}
	return withCode(code, nil)
}

func pingError(err error) error {
	switch {
	case errors.Is(err, probe.ErrPermission), errors.Is(err, probe.ErrInterval):
		return withCode(exitUnknown, fmt.Errorf("netdx ping: %w", err))
	}
	return withCode(exitUnknown, fmt.Errorf("netdx ping: %w", err))
}

// pingOptions turns flags into options, or a usage error.
func pingOptions(c *cli.Context) (pingOpts, error) {
	o := pingOpts{names: c.Args().Slice(), family: "ip", quiet: c.Bool("q"), json: wantJSON(c)}
	if len(o.names) == 0 {
		return o, usageError("netdx ping: no target given (netdx ping [options] TARGET...)")
	}
	if len(o.names) > probe.MaxTargets {
		return o, usageError("netdx ping: %d targets, at most %d", len(o.names), probe.MaxTargets)
	}
	cfg := &o.cfg
	var warn, crit *threshold
	if s := c.String("c"); s != "" {
		if isThreshold(s) {
			t, err := parseThreshold(s)
			if err != nil {
				return o, usageError("netdx ping: -c %s: %v", s, err)
			}
			crit = &t
		} else if n, err := strconv.Atoi(s); err != nil || n <= 0 {
			return o, usageError("netdx ping: -c %q: want a count above 0 or RTA,LOSS%%", s)
		} else {
			cfg.Count = n
		}
	}
	if s := c.String("w"); s != "" {
		if isThreshold(s) {
			t, err := parseThreshold(s)
			if err != nil {
				return o, usageError("netdx ping: -w %s: %v", s, err)
			}
			warn = &t
		} else {
			d, err := seconds("w", s)
			if err != nil {
				return o, err
			}
			cfg.Deadline = d
		}
	}
	if (warn == nil) != (crit == nil) {
		return o, usageError("netdx ping: thresholds need both -w RTA,LOSS%% and -c RTA,LOSS%%")
	}
	if warn != nil {
		if warn.rta > crit.rta || warn.loss > crit.loss {
			return o, usageError("netdx ping: the warning threshold (-w) must not exceed the critical one (-c)")
		}
		o.nagios = &thresholds{warn: *warn, crit: *crit}
		cfg.Count = 5
		if c.IsSet("p") {
			cfg.Count = c.Int("p")
		}
		if cfg.Count <= 0 {
			return o, usageError("netdx ping: -p %d: want at least 1 packet", cfg.Count)
		}
	} else if c.IsSet("p") {
		return o, usageError("netdx ping: -p is for threshold mode (-w RTA,LOSS%% -c RTA,LOSS%%); use -c for a count")
	}
	var err error
	if s := c.String("i"); s != "" {
		if cfg.Interval, err = seconds("i", s); err != nil {
			return o, err
		}
	}
	if s := c.String("W"); s != "" {
		if cfg.Timeout, err = seconds("W", s); err != nil {
			return o, err
		}
	}
	cfg.Size = c.Int("s")
	if cfg.Size < probe.MinPayload || cfg.Size > 65507 {
		return o, usageError("netdx ping: -s %d: payload must be %d..65507 bytes (it carries a token and the send time)", cfg.Size, probe.MinPayload)
	}
	cfg.TTL = c.Int("t")
	if c.IsSet("t") && (cfg.TTL < 1 || cfg.TTL > 255) {
		return o, usageError("netdx ping: -t %d: TTL must be 1..255", cfg.TTL)
	}
	if s := c.String("Q"); s != "" {
		v, err := strconv.ParseUint(s, 0, 8)
		if err != nil {
			return o, usageError("netdx ping: -Q %q: want a TOS of 0..255", s)
		}
		cfg.TOS = int(v)
	}
	switch m := c.String("M"); m {
	case "":
	case "do":
		cfg.DontFragment = true
	case "dont":
		cfg.AllowFragment = true
	default:
		return o, usageError("netdx ping: -M %q: want do or dont", m)
	}
	switch {
	case c.Bool("4") && c.Bool("6"):
		return o, usageError("netdx ping: -4 and -6 exclude each other")
	case c.Bool("4"):
		o.family = "ip4"
	case c.Bool("6"):
		o.family = "ip6"
	}
	if s := c.String("I"); s != "" {
		if a, err := netip.ParseAddr(s); err == nil {
			cfg.Source = a
		} else {
			cfg.Interface = s
		}
	}
	cfg.Rate = c.Float64("rate")
	if cfg.Rate <= 0 {
		return o, usageError("netdx ping: --rate %g: want a positive number of requests a second", cfg.Rate)
	}
	switch {
	case c.Bool("privileged") && c.Bool("unprivileged"):
		return o, usageError("netdx ping: --privileged and --unprivileged exclude each other")
	case c.Bool("privileged"):
		cfg.Mode = probe.ModeRaw
	case c.Bool("unprivileged"):
		cfg.Mode = probe.ModeDatagram
	}
	return o, nil
}

// seconds parses a number of seconds like iputils ("0.2").
func seconds(flag, s string) (time.Duration, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v > 1e6 {
		return 0, usageError("netdx ping: -%s %q: want a positive number of seconds", flag, s)
	}
	return time.Duration(v * float64(time.Second)), nil
}

// resolveTargets resolves every name once, up front; names that fail are
// returned as results carrying the error.
func resolveTargets(ctx context.Context, names []string, family string) ([]probe.Target, []probe.Result) {
	var ok []probe.Target
	var bad []probe.Result
	for _, name := range names {
		a, err := resolve(ctx, name, family)
		if err != nil {
			bad = append(bad, probe.Result{Target: name, Error: err.Error(), ICMPErrors: []probe.ErrorCount{}})
			continue
		}
		ok = append(ok, probe.Target{Name: name, Addr: a})
	}
	return ok, bad
}

func resolve(ctx context.Context, name, family string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(name, "[]")); err == nil {
		a = a.Unmap()
		if (family == "ip4" && !a.Is4()) || (family == "ip6" && !a.Is6()) {
			return netip.Addr{}, fmt.Errorf("address %s is not of the family asked for (-%s)", a, family[2:])
		}
		return a, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, family, name)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) {
			return netip.Addr{}, fmt.Errorf("cannot resolve: %s", de.Err)
		}
		return netip.Addr{}, fmt.Errorf("cannot resolve: %w", err)
	}
	if len(addrs) == 0 {
		return netip.Addr{}, errors.New("cannot resolve: no address")
	}
	return addrs[0].Unmap(), nil
}

// mergeResults puts results and resolution failures back in the order of
// the command line.
func mergeResults(names []string, results, bad []probe.Result) []probe.Result {
	out := make([]probe.Result, 0, len(names))
	ri, bi := 0, 0
	for _, n := range names {
		if bi < len(bad) && bad[bi].Target == n {
			out = append(out, bad[bi])
			bi++
			continue
		}
		if ri < len(results) {
			out = append(out, results[ri])
			ri++
		}
	}
	return out
}
