package main

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/dialect/fping"
	"netdx/probe"
)

// fping's dialect: with -C (a flag only fping has), or when netdx runs as
// fping (a link named fping, see personality), ping's flags mean what they
// mean to fping 5.1, in fping's units: -c/-C count, -p MSEC between two
// requests to a target, -i MSEC between any two requests, -t MSEC reply
// timeout, -b BYTES, -H TTL, -O TOS, -S source, -B backoff and -r retries
// (which fping only uses outside count mode: accepted and checked, no
// effect). SmokePing's FPing probe runs exactly this:
// fping -C 20 -q -B1 -r1 -4 -i10 [-b56] [-t…] [-p…] [-S…] [-O…] HOST...

// fpingOnly are the flags that mean nothing to iputils' ping.
var fpingOnly = []string{"C", "B", "r", "b", "S", "O", "H"}

// iputilsOnly are the ping flags fping has not (or has with another
// meaning: fping's -s prints statistics, -W and -w do not exist).
var iputilsOnly = []string{"W", "w", "s", "Q", "M", "rate"}

// fpingDialect reports whether ping's flags are fping's.
func fpingDialect(c *cli.Context) bool { return c.Bool("fping") || c.IsSet("C") }

// fpingConfig turns fping's flags into the engine's config, from its
// defaults and fping's. It parses; the engine validates.
func fpingConfig(c *cli.Context) (probe.Config, error) {
	cfg := probe.DefaultConfig()
	for _, f := range iputilsOnly {
		if c.IsSet(f) {
			return cfg, usageError("netdx ping: %s is iputils' flag, not fping's (without -C, ping's flags are iputils')", dashed(f))
		}
	}
	var err error
	if cfg.Count, err = fpingCount(c); err != nil {
		return cfg, err
	}
	if err := fpingTimes(c, &cfg); err != nil {
		return cfg, err
	}
	set(c, "b", c.Int, &cfg.Size)
	set(c, "H", c.Int, &cfg.TTL)
	if err := tosFlag(c, "O", &cfg.TOS); err != nil {
		return cfg, err
	}
	if c.IsSet("B") {
		b, err := strconv.ParseFloat(c.String("B"), 64)
		if err != nil || !(b >= 1 && b <= 5) {
			return cfg, usageError("netdx ping: -B %s: want a backoff factor from 1.0 to 5.0", c.String("B"))
		}
	}
	if c.IsSet("r") && c.Int("r") < 0 {
		return cfg, usageError("netdx ping: -r %d: want a number of retries, 0 or more", c.Int("r"))
	}
	if s := c.String("S"); s != "" {
		if cfg.Source, err = netip.ParseAddr(s); err != nil {
			return cfg, usageError("netdx ping: -S %s: not an IP address", s)
		}
	}
	set(c, "I", c.String, &cfg.Interface)
	return cfg, privilegeMode(c, &cfg)
}

// fpingCount is -c or -C, the requests to each target.
func fpingCount(c *cli.Context) (int, error) {
	n := 0
	switch {
	case c.IsSet("c") && c.IsSet("C"):
		return 0, usageError("netdx ping: -c and -C exclude each other")
	case c.IsSet("C"):
		n = c.Int("C")
	case c.IsSet("c"):
		var err error
		if n, err = strconv.Atoi(c.String("c")); err != nil {
			return 0, usageError("netdx ping: -c %s: want a count", c.String("c"))
		}
	default:
		return 0, usageError("netdx ping: as fping, want -c COUNT or -C COUNT (fping's alive/unreachable mode is not supported)")
	}
	if n > fping.MaxCount {
		return 0, usageError("netdx ping: %d: at most %d probes per target", n, fping.MaxCount)
	}
	return n, nil
}

// fpingTimes sets the interval (-p), the rate (-i) and the timeout (-t)
// of cfg from fping's flags in milliseconds, over fping's defaults.
func fpingTimes(c *cli.Context, cfg *probe.Config) error {
	var err error
	cfg.Interval = fping.Period
	if c.IsSet("p") {
		if cfg.Interval, err = msecField(c, "p", strconv.Itoa(c.Int("p"))); err != nil {
			return err
		}
	}
	every := fping.Interval
	if c.IsSet("i") {
		if every, err = msecField(c, "i", c.String("i")); err != nil {
			return err
		}
	}
	// One request every -i is a rate (none for no interval); the engine
	// refuses what cannot be one (and says -i: the table maps Rate to -i
	// in this dialect).
	cfg.Rate = 0
	if every != 0 {
		cfg.Rate = float64(time.Second) / float64(every)
	}
	cfg.Timeout = min(cfg.Interval, fping.MaxTimeout)
	if c.IsSet("t") {
		cfg.Timeout, err = msecField(c, "t", strconv.Itoa(c.Int("t")))
	}
	return err
}

// fpingFlags names the config fields in fping's spelling.
var fpingFlags = configFlags["ping"].with("probe.Count", "-c", "probe.Interval", "-p", "probe.Rate", "-i",
	"probe.Timeout", "-t", "probe.Size", "-b", "probe.TTL", "-H", "probe.TOS", "-O", "probe.Source", "-S",
	"probe.Interface", "-I")

// msecField parses fping's milliseconds (fractions allowed) into a
// duration, as fromSeconds does for seconds.
func msecField(c *cli.Context, name, s string) (time.Duration, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, usageError("netdx ping: %s %s: not a number of milliseconds", dashed(name), s)
	}
	return fromSeconds(c, name, v/1000)
}
