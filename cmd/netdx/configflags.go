package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/check"
	"netdx/diagnose"
	"netdx/link"
	"netdx/probe"
	"netdx/sockets"
	"netdx/trace"
)

// The engines validate their configs; cmd only turns flags into configs
// and says which flag a refused field came from. A flag given as 0 is
// passed as the engine's ExplicitZero, so that the engine, not cmd,
// decides whether zero means anything (a zero field means "the default").
// The engines' constants are all this one (a test checks it).
const explicitZero = math.MinInt64

// fieldFlags maps the Config fields an engine names in its ConfigError to
// one command's spelling: "-i", "--rate", or an argument ("IFACE").
type fieldFlags map[string]string

// with returns a copy of f with more (or other) entries.
func (f fieldFlags) with(kv ...string) fieldFlags {
	out := fieldFlags{}
	for k, v := range f {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// configFlags is the one table from config fields to flags, by command.
// diagnose maps the fields of the configs it builds the same way.
var configFlags = map[string]fieldFlags{
	"ping": {
		"Count": "-c", "Interval": "-i", "Timeout": "-W", "Deadline": "-w", "Size": "-s", "Rate": "--rate",
		"TTL": "-t", "TOS": "-Q", "DontFragment": "-M", "Mode": "--privileged", "Source": "-I", "Interface": "-I",
	},
	"trace": {
		"Protocol": "-P", "Port": "-p", "FirstTTL": "-f", "MaxTTL": "-m", "Queries": "-q", "Flows": "--flows",
		"Wait": "-w", "PPS": "--pps", "Size": "--size", "MTU": "--mtu", "Mode": "--unprivileged",
		"Source": "-s", "Interface": "-i", "Rounds": "-c", "Interval": "--interval",
	},
	"link": {
		"Interval": "--interval", "Top": "--top", "AllowedCapture": "--allow-capture", "NetNS": "--netns",
		"Interfaces": "IFACE", "MaxRetransPct": "--max-retrans",
	},
	"sockets": {
		"Proto": "--proto", "States": "--state", "PIDs": "--pid", "AllowedGateways": "--allow-gateway",
		"TimeWaitPileup": "--time-wait-pileup", "NetNS": "--netns",
	},
	// diagnose builds diagnose's, check's, trace's, link's and sockets'
	// configs.
	"diagnose": {
		"MaxRTT": "--max-rtt", "MaxLossPct": "--max-loss", "Jump": "--jump", "MaxRetransPct": "--max-retrans",
		"AllowedCapture": "--allow-capture", "TimeWaitPileup": "--time-wait-pileup", "AllowedGateways": "--allow-gateway",
		"NetNS": "--netns", "Interval": "--interval", "Duration": "--duration", "RoundInterval": "--round-interval",
		"EchoInterval": "--echo-interval", "Protocol": "-P", "MaxTTL": "-m",
	},
	// watch's sinks, a table each: their configs share field names.
	"journal": {
		"Path": "--journal", "MaxSize": "--journal-max-size", "Keep": "--journal-keep", "Flush": "--flush",
		"Backlog": "--journal-backlog", "OnFull": "--on-full",
	},
	"syslog":     {"URL": "--syslog", "Facility": "--syslog-facility", "Backlog": "--syslog-backlog"},
	"on-finding": {"Command": "--on-finding", "Concurrency": "--on-finding-concurrency", "Timeout": "--on-finding-timeout"},
}

// configError is what the engines' ConfigErrors offer (probe, trace, link,
// sockets): the field refused and why, in the engine's words.
type configError interface {
	error
	ConfigField() string
	ConfigValue() any
	ConfigReason() string
}

var (
	_ configError = (*probe.ConfigError)(nil)
	_ configError = (*trace.ConfigError)(nil)
	_ configError = (*link.ConfigError)(nil)
	_ configError = (*sockets.ConfigError)(nil)
	_ configError = (*diagnose.ConfigError)(nil)
	_ configError = (*check.ConfigError)(nil)
)

// failure turns an engine's error into the command's: a refused field
// becomes one usage line naming the flag and the value given
// ("netdx ping: -i 1e-12: interval below 1ms, ..."), exit 3; anything
// else is UNKNOWN, prefixed with the command.
func failure(c *cli.Context, flags fieldFlags, err error) error {
	if err == nil {
		return nil
	}
	cmd := "netdx " + c.Command.Name
	var ce configError
	if errors.As(err, &ce) {
		name, ok := flags[ce.ConfigField()]
		if !ok {
			return usageError("%s: %v", cmd, err)
		}
		switch text := flagText(c, name, ce); {
		case !strings.HasPrefix(name, "-"): // an argument
			return usageError("%s: %s: %s", cmd, text, ce.ConfigReason())
		case text == "": // a switch
			return usageError("%s: %s: %s", cmd, name, ce.ConfigReason())
		default:
			return usageError("%s: %s %s: %s", cmd, name, text, ce.ConfigReason())
		}
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, c.Command.Name+":") {
		msg = c.Command.Name + ": " + msg
	}
	return withCode(exitUnknown, errors.New("netdx "+msg))
}

// flagText is the value of the flag as the user gave it; for a list flag
// or an argument, the element the engine refused.
func flagText(c *cli.Context, name string, ce configError) string {
	v := any(nil)
	if strings.HasPrefix(name, "-") {
		v = c.Value(strings.TrimLeft(name, "-"))
	}
	switch v := v.(type) {
	case string:
		return quote(v)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case time.Duration:
		return v.String()
	case bool:
		return ""
	}
	// A list or an argument: the element refused, as the engine saw it.
	if s, ok := ce.ConfigValue().(string); ok {
		return quote(s)
	}
	return fmt.Sprint(ce.ConfigValue())
}

// quote quotes a value only when it would not read as one otherwise.
func quote(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n") {
		return strconv.Quote(s)
	}
	return s
}

// field reads a flag for a config field whose zero value means the
// default: 0 when the flag is absent, explicitZero when it is given as 0
// (NaN and infinities pass, for the engine to refuse).
func field[T int | float64 | time.Duration](c *cli.Context, name string, get func(string) T) T {
	if !c.IsSet(name) {
		return 0
	}
	if v := get(name); v != 0 {
		return v
	}
	return explicitZero
}

// intField, floatField and durationField are field for int, float and
// duration (1s, 200ms) flags.
func intField(c *cli.Context, name string) int { return field(c, name, c.Int) }

func floatField(c *cli.Context, name string) float64 { return field(c, name, c.Float64) }

func durationField(c *cli.Context, name string) time.Duration { return field(c, name, c.Duration) }

// secondsField is a float flag in seconds (traceroute's -w 0.5) for a
// duration field, as durationField.
func secondsField(c *cli.Context, name string) (time.Duration, error) {
	if !c.IsSet(name) {
		return 0, nil
	}
	return fromSeconds(c, name, c.Float64(name))
}

// parseSeconds is secondsField for a flag read as a string (ping's -w is a
// deadline or a threshold).
func parseSeconds(c *cli.Context, name, s string) (time.Duration, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, usageError("netdx %s: -%s %s: not a number of seconds", c.Command.Name, name, s)
	}
	return fromSeconds(c, name, v)
}

// fromSeconds converts seconds to a Duration without losing what makes a
// value wrong: 0 is explicitZero, a positive value below a nanosecond is
// 1ns (not 0, "the default"), and a value beyond the Duration range is
// the largest one of its sign. NaN has no Duration: it is refused here.
func fromSeconds(c *cli.Context, name string, v float64) (time.Duration, error) {
	ns := v * float64(time.Second)
	switch {
	case math.IsNaN(v):
		return 0, usageError("netdx %s: %s %v: not a number of seconds", c.Command.Name, dashed(name), v)
	case v == 0:
		return explicitZero, nil
	case ns >= math.MaxInt64:
		return math.MaxInt64, nil
	case ns <= -math.MaxInt64:
		return -math.MaxInt64, nil
	case v > 0:
		return time.Duration(math.Ceil(ns)), nil
	}
	return time.Duration(math.Floor(ns)), nil
}

// dashed spells a flag name as on the command line.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// netnsPath turns a --netns value into a namespace file path.
func netnsPath(v string) string {
	if v == "" || strings.Contains(v, "/") {
		return v
	}
	return "/run/netns/" + v
}
