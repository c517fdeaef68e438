package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/dialect/fping"
	"netdx/dialect/nagios"
	"netdx/probe"
	"netdx/resolver"
)

func pingCommand() *cli.Command {
	d := probe.DefaultConfig()
	return &cli.Command{
		Name:      "ping",
		Usage:     "ICMP echo (IPv4/IPv6) to one or many targets",
		ArgsUsage: "TARGET...",
		Description: "One target reads like iputils ping (-v adds percentiles, jitter, ICMP error tallies), several\n" +
			"like fping -c (replies on stdout, errors and the summary on stderr). -C N switches to fping's flags\n" +
			"and -C's per-probe lists (SmokePing's FPing probe); so does running netdx as fping. RTTs come from kernel\n" +
			"receive timestamps; replies are checked (id, sequence, a per-run token, send time,\n" +
			"checksum) and those that fail are counted as invalid, never as received.\n" +
			"-c and -w are a count and a deadline; given as RTA,LOSS% (e.g. -w 100,20% -c 500,60%)\n" +
			"they are check_ping thresholds and netdx prints check_ping's line (-p packets, default 5).\n" +
			"Ctrl-C (or SIGTERM) prints the statistics so far.\n" +
			"Exit: 0 every target answered (within thresholds), 1 warning, 2 a target never\n" +
			"answered or critical, 3 bad input, unresolvable name or no permission.",
		Flags: []cli.Flag{
			jsonFlag,
			&cli.StringFlag{Name: "c", Usage: "stop after `COUNT` echo requests per target; or RTA,LOSS% critical threshold"},
			&cli.StringFlag{Name: "i", Usage: "`SECONDS` between requests to a target (below 0.002 needs raw privileges)", DefaultText: secondsText(d.Interval)},
			&cli.StringFlag{Name: "W", Usage: "`SECONDS` to wait for each reply", DefaultText: secondsText(d.Timeout)},
			&cli.StringFlag{Name: "w", Usage: "stop after `SECONDS` in all (0: no deadline); or RTA,LOSS% warning threshold"},
			&cli.IntFlag{Name: "p", Aliases: []string{"packets"}, Usage: "`PACKETS` per target in threshold (check_ping) mode", DefaultText: fmt.Sprint(nagios.PingPackets)},
			&cli.IntFlag{Name: "s", Usage: "payload `BYTES` (at least 16: token and send time)", DefaultText: fmt.Sprint(d.Size)},
			&cli.IntFlag{Name: "t", Usage: "`TTL` / hop limit", DefaultText: defaultText(d.TTL, probe.KernelTTL, "the kernel's, usually 64")},
			&cli.StringFlag{Name: "Q", Usage: "`TOS` / traffic class (decimal or 0x hex)"},
			&cli.StringFlag{Name: "M", Usage: "path MTU discovery: `do` (set DF, never fragment) or dont (let the kernel fragment)"},
			&cli.BoolFlag{Name: "4", Usage: "IPv4 only"},
			&cli.BoolFlag{Name: "6", Usage: "IPv6 only"},
			&cli.BoolFlag{Name: "n", Usage: "numeric output (netdx never looks names up in reverse)"},
			&cli.BoolFlag{Name: "q", Usage: "quiet: statistics only"},
			&cli.StringFlag{Name: "I", Usage: "source `ADDRESS` or interface name"},
			&cli.Float64Flag{Name: "rate", Usage: "at most `N` requests a second in all (one socket per family for all targets)", DefaultText: fmt.Sprint(d.Rate)},
			&cli.BoolFlag{Name: "privileged", Usage: "force a raw socket (needs CAP_NET_RAW)"},
			&cli.BoolFlag{Name: "unprivileged", Usage: "force an ICMP datagram socket (needs net.ipv4.ping_group_range)"},
			&cli.BoolFlag{Name: "v", Aliases: []string{"verbose"}, Usage: "also percentiles, jitter, ICMP error tallies and the replies not counted (late, invalid)"},
			&cli.IntFlag{Name: "C", Usage: "fping -C: `COUNT` requests per target, then each one's RTT (- for lost) on stderr; with -C the flags are fping's: -c -p -i -t in milliseconds, -b -H -O -S -B -r", DefaultText: "none"},
			&cli.StringFlag{Name: "B", Usage: "fping: backoff `FACTOR` (1.0 to 5.0; no effect with -c/-C, as in fping)"},
			&cli.IntFlag{Name: "r", Usage: "fping: `RETRIES` (no effect with -c/-C, as in fping)", DefaultText: fmt.Sprint(fping.Retries)},
			&cli.IntFlag{Name: "b", Usage: "fping: payload `BYTES`", DefaultText: fmt.Sprint(d.Size)},
			&cli.StringFlag{Name: "S", Usage: "fping: source `ADDRESS`"},
			&cli.StringFlag{Name: "O", Usage: "fping: `TOS`"},
			&cli.IntFlag{Name: "H", Usage: "fping: `TTL`", DefaultText: defaultText(d.TTL, probe.KernelTTL, "the kernel's")},
			&cli.BoolFlag{Name: "fping", Hidden: true, Usage: "fping's flags and output (netdx run as fping)"},
		},
		Action: pingAction,
	}
}

// pingAction: flags → probe.Config → probe.Ping → the view → exit code.
func pingAction(c *cli.Context) error {
	names := c.Args().Slice()
	if len(names) == 0 {
		return usageError("netdx ping: no target given (netdx ping [options] TARGET...)")
	}
	if len(names) > probe.MaxTargets {
		return usageError("netdx ping: %d targets, at most %d", len(names), probe.MaxTargets)
	}
	cfg, th, flags, err := pingConfigs(c, len(names))
	if err != nil {
		return err
	}
	family, err := addrFamily(c)
	if err != nil {
		return err
	}
	// Every name has its place in the results, in the order given; those
	// that do not resolve keep theirs with the error.
	all := make([]probe.Result, len(names))
	var targets []probe.Target
	var at []int // where each target's result goes
	for i, r := range resolver.All(c.Context, names, family) {
		if r.Err != nil {
			fmt.Fprintf(c.App.ErrWriter, "netdx ping: %s: %v\n", r.Name, r.Err)
			all[i] = probe.Result{Target: r.Name, Error: r.Err.Error(), ICMPErrors: []probe.ErrorCount{}}
			continue
		}
		targets, at = append(targets, probe.Target{Name: r.Name, Addr: r.Addr}), append(at, i)
	}
	v := newPingView(c, th, len(names))
	start := time.Now()
	if len(targets) > 0 {
		v.hook(&cfg, targets, dropCaps(c.App.ErrWriter, "ping"))
		results, err := probe.Ping(c.Context, cfg, targets)
		if err != nil {
			return failure(c, flags, err)
		}
		for j, r := range results {
			all[at[j]] = r
		}
	}
	code := pingCode(all, th)
	if err := v.summary(all, code, time.Since(start), interrupted(c)); err != nil {
		return err
	}
	return withCode(code, nil)
}

// pingConfigs are the engine's config for n targets, validated, in the
// dialect the flags speak (iputils', fping's, or check_ping's thresholds,
// then returned too), and the flags of its fields in that dialect.
func pingConfigs(c *cli.Context, n int) (probe.Config, *nagios.Thresholds, fieldFlags, error) {
	var th *nagios.Thresholds
	var cfg probe.Config
	var err error
	flags := configFlags["ping"]
	if fpingDialect(c) {
		if cfg, err = fpingConfig(c); err != nil {
			return cfg, nil, flags, err
		}
		if flags = fpingFlags; c.IsSet("C") {
			flags = flags.with("probe.Count", "-C")
		}
		if c.IsSet("C") && cfg.Count > 0 && cfg.Count*n > fping.MaxListed {
			return cfg, nil, flags, usageError("netdx ping: -C %d for %d targets: at most %d RTTs in all", cfg.Count, n, fping.MaxListed)
		}
	} else {
		if th, err = thresholdFlags(c); err != nil {
			return cfg, nil, flags, err
		}
		if cfg, err = pingConfig(c, th != nil); err != nil {
			return cfg, nil, flags, err
		}
		if th != nil {
			flags = flags.with("probe.Count", "-p")
		}
	}
	return cfg, th, flags, failure(c, flags, cfg.Validate())
}

// secondsText is a duration as its flag in seconds takes it: "1", "0.2".
func secondsText(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }
