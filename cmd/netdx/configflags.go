package main

import (
	"errors"
	"fmt"
	"maps"
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

// The engines own their defaults and validate their configs; cmd starts
// from an engine's DefaultConfig, overwrites the fields whose flags the
// user gave (a flag given as 0 is 0, for the engine to take or refuse),
// and says which flag a refused field came from.

// fieldFlags maps the config fields an engine names in its ConfigError,
// as "package.Field" ("trace.MaxTTL"), to one command's spelling: "-m",
// "--rate", or an argument ("IFACE").
type fieldFlags map[string]string

// with returns a copy of f with more (or other) entries.
func (f fieldFlags) with(kv ...string) fieldFlags {
	out := maps.Clone(f)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// configFlags is the one table from config fields to flags, by command.
var configFlags = map[string]fieldFlags{
	"ping": {
		"probe.Count": "-c", "probe.Interval": "-i", "probe.Timeout": "-W", "probe.Deadline": "-w", "probe.Size": "-s",
		"probe.Rate": "--rate", "probe.TTL": "-t", "probe.TOS": "-Q", "probe.DontFragment": "-M", "probe.Mode": "--privileged",
		"probe.Source": "-I", "probe.Interface": "-I",
	},
	"trace": {
		"trace.Protocol": "-P", "trace.Port": "-p", "trace.FirstTTL": "-f", "trace.MaxTTL": "-m", "trace.Queries": "-q",
		"trace.Flows": "--flows", "trace.Wait": "-w", "trace.PPS": "--pps", "trace.Size": "--size", "trace.MTU": "--mtu",
		"trace.Mode": "--unprivileged", "trace.Source": "-s", "trace.Interface": "-i", "trace.Rounds": "-c",
		"trace.Interval": "--interval", "check.RoundInterval": "--interval",
		// --live's echo stream binds to trace's source and interface too.
		"probe.Source": "-s", "probe.Interface": "-i",
	},
	"link": {
		"link.Interval": "--interval", "check.Top": "--top", "link.NetNS": "--netns", "link.Interfaces": "IFACE",
		"diagnose.AllowedCapture": "--allow-capture", "diagnose.MaxRetransPct": "--max-retrans",
	},
	"sockets": {
		"sockets.Protos": "--proto", "sockets.States": "--state", "sockets.PIDs": "--pid",
		"sockets.AllowedGateways": "--allow-gateway", "sockets.NetNS": "--netns", "diagnose.TimeWaitPileup": "--time-wait-pileup",
	},
	// diagnose builds diagnose's, check's, trace's, link's and sockets'
	// configs.
	"diagnose": {
		"diagnose.MaxRTT": "--max-rtt", "diagnose.MaxLossPct": "--max-loss", "diagnose.Jump": "--jump",
		"diagnose.MaxRetransPct": "--max-retrans", "diagnose.AllowedCapture": "--allow-capture",
		"diagnose.TimeWaitPileup": "--time-wait-pileup", "sockets.AllowedGateways": "--allow-gateway",
		"link.NetNS": "--netns", "sockets.NetNS": "--netns", "link.Interval": "--interval",
		"check.Duration": "--duration", "check.RoundInterval": "--round-interval", "check.EchoInterval": "--echo-interval",
		"trace.Protocol": "-P", "trace.MaxTTL": "-m",
	},
}

// configError is what the engines' ConfigErrors offer (probe, trace, link,
// sockets): the field refused and why, in the engine's words.
type configError interface {
	error
	ConfigPackage() string
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
		name, ok := flags[ce.ConfigPackage()+"."+ce.ConfigField()]
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

// set overwrites *field with the flag's value when the user gave the
// flag, and leaves the engine's default otherwise.
func set[T any](c *cli.Context, name string, get func(string) T, field *T) {
	if c.IsSet(name) {
		*field = get(name)
	}
}

// setSeconds is set for a float flag in seconds (traceroute's -w 0.5)
// and a duration field.
func setSeconds(c *cli.Context, name string, field *time.Duration) error {
	if !c.IsSet(name) {
		return nil
	}
	d, err := fromSeconds(c, name, c.Float64(name))
	if err == nil {
		*field = d
	}
	return err
}

// parseSeconds is a flag in seconds read as a string (ping's -w is a
// deadline or a threshold).
func parseSeconds(c *cli.Context, name, s string) (time.Duration, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, usageError("netdx %s: -%s %s: not a number of seconds", c.Command.Name, name, s)
	}
	return fromSeconds(c, name, v)
}

// fromSeconds converts seconds to a Duration without losing what makes a
// value wrong: a positive value below a nanosecond is 1ns (not 0), and a
// value beyond the Duration range is the largest one of its sign. NaN has
// no Duration: it is refused here.
func fromSeconds(c *cli.Context, name string, v float64) (time.Duration, error) {
	ns := v * float64(time.Second)
	switch {
	case math.IsNaN(v):
		return 0, usageError("netdx %s: %s %v: not a number of seconds", c.Command.Name, dashed(name), v)
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
