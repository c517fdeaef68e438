package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/probe"
	"netdx/trace"
	"netdx/watch"
)

// badFlags are values that cannot mean anything, for every command: each
// must be refused with one line on stderr naming the flag (want), exit 3,
// nothing on stdout. None gets as far as a socket or a name lookup.
var badFlags = []struct {
	args []string
	want string
}{
	{[]string{"ping", "-w", "1e-12", "198.18.0.9"}, "-w 1e-12: deadline below 1ms"}, // ran forever
	{[]string{"ping", "-i", "1e-12", "198.18.0.9"}, "-i 1e-12: interval below 1ms"},
	{[]string{"ping", "-W", "1e-12", "198.18.0.9"}, "-W 1e-12: reply timeout below 1ms"},
	{[]string{"ping", "--rate", "NaN", "198.18.0.9"}, "--rate NaN:"},
	{[]string{"ping", "--rate", "Inf", "198.18.0.9"}, "--rate +Inf:"},
	{[]string{"ping", "--rate", "0", "198.18.0.9"}, "--rate 0:"},
	{[]string{"ping", "--rate", "-2", "198.18.0.9"}, "--rate -2:"},
	{[]string{"ping", "--rate", "1e12", "198.18.0.9"}, "--rate 1e+12:"},
	{[]string{"ping", "-c", "0", "198.18.0.9"}, "-c 0: want at least 1"},
	{[]string{"ping", "-c", "-3", "198.18.0.9"}, "-c -3:"},
	{[]string{"ping", "-c", "three", "198.18.0.9"}, "-c three:"},
	{[]string{"ping", "-i", "0", "198.18.0.9"}, "-i 0: interval must be at least 1ms"},
	{[]string{"ping", "-i", "-1", "198.18.0.9"}, "-i -1:"},
	{[]string{"ping", "-i", "NaN", "198.18.0.9"}, "-i NaN:"},
	{[]string{"ping", "-i", "1e300", "198.18.0.9"}, "-i 1e300:"},
	{[]string{"ping", "-W", "0", "198.18.0.9"}, "-W 0: reply timeout must be at least 1ms"},
	{[]string{"ping", "-w", "-1", "198.18.0.9"}, "-w -1: deadline must be positive"},
	{[]string{"ping", "-t", "-2", "198.18.0.9"}, "-t -2: TTL must be 1..255"},
	{[]string{"ping", "-w", "NaN", "198.18.0.9"}, "-w NaN:"},
	{[]string{"ping", "-w", "-Inf", "198.18.0.9"}, "-w -Inf:"},
	{[]string{"ping", "-s", "0", "198.18.0.9"}, "-s 0:"},
	{[]string{"ping", "-s", "8", "198.18.0.9"}, "-s 8:"},
	{[]string{"ping", "-s", "70000", "198.18.0.9"}, "-s 70000:"},
	{[]string{"ping", "-t", "0", "198.18.0.9"}, "-t 0:"},
	{[]string{"ping", "-t", "256", "198.18.0.9"}, "-t 256:"},
	{[]string{"ping", "-Q", "256", "198.18.0.9"}, "-Q 256:"},
	{[]string{"ping", "-Q", "lowdelay", "198.18.0.9"}, "-Q lowdelay:"},
	{[]string{"ping", "-M", "want", "198.18.0.9"}, "-M want:"},
	{[]string{"ping", "-I", "a-name-longer-than-15", "198.18.0.9"}, "-I a-name-longer-than-15:"},
	{[]string{"ping", "-w", "100,20%", "-c", "500,60%", "-p", "0", "198.18.0.9"}, "-p 0:"},
	{[]string{"ping", "-p", "3", "198.18.0.9"}, "-p is for threshold mode"},
	{[]string{"ping", "-w", "100,20%", "198.18.0.9"}, "need both -w RTA,LOSS% and -c RTA,LOSS%"},
	{[]string{"ping", "-w", "100,20%", "-c", "500,101%", "198.18.0.9"}, "-c 500,101%:"},
	{[]string{"ping", "-w", "600,20%", "-c", "500,60%", "198.18.0.9"}, "(-w 600,20%) must not exceed"},
	{[]string{"ping", "-w", "NaN,20%", "-c", "500,60%", "198.18.0.9"}, "-w NaN,20%:"},
	{[]string{"ping", "-4", "-6", "198.18.0.9"}, "-4 and -6"},
	{[]string{"ping", "--privileged", "--unprivileged", "198.18.0.9"}, "--privileged and --unprivileged"},

	{[]string{"trace", "-m", "0", "198.18.0.9"}, "-m 0:"},
	{[]string{"trace", "-m", "256", "198.18.0.9"}, "-m 256:"},
	{[]string{"trace", "--max-ttl", "0", "198.18.0.9"}, "-m 0:"},
	{[]string{"trace", "--wait=0", "198.18.0.9"}, "-w 0:"},
	{[]string{"trace", "-f", "0", "198.18.0.9"}, "-f 0:"},
	{[]string{"trace", "-f", "5", "-m", "3", "198.18.0.9"}, "-f 5: first TTL above the max TTL (3)"},
	{[]string{"trace", "--flows", "0", "198.18.0.9"}, "--flows 0:"},
	{[]string{"trace", "--flows", "65", "198.18.0.9"}, "--flows 65:"},
	{[]string{"trace", "-w", "1e-12", "198.18.0.9"}, "-w 1e-12: wait below 1ms"},
	{[]string{"trace", "-w", "0", "198.18.0.9"}, "-w 0:"},
	{[]string{"trace", "-w", "NaN", "198.18.0.9"}, "-w NaN:"},
	{[]string{"trace", "-w", "61", "198.18.0.9"}, "-w 61:"},
	{[]string{"trace", "-q", "0", "198.18.0.9"}, "-q 0:"},
	{[]string{"trace", "-q", "11", "198.18.0.9"}, "-q 11:"},
	{[]string{"trace", "-p", "0", "198.18.0.9"}, "-p 0:"},
	{[]string{"trace", "-p", "65536", "198.18.0.9"}, "-p 65536:"},
	{[]string{"trace", "--pps", "0", "198.18.0.9"}, "--pps 0:"},
	{[]string{"trace", "--pps", "-5", "198.18.0.9"}, "--pps -5:"},
	{[]string{"trace", "--size", "0", "198.18.0.9"}, "--size 0:"},
	{[]string{"trace", "-P", "sctp", "198.18.0.9"}, "-P sctp:"},
	{[]string{"trace", "-P", "", "198.18.0.9"}, `-P "":`},
	{[]string{"trace", "--mtu", "-P", "tcp", "198.18.0.9"}, "--mtu: path MTU discovery works with icmp and udp"},
	{[]string{"trace", "--unprivileged", "-P", "tcp", "198.18.0.9"}, "--unprivileged: tcp probes need a raw socket"},
	{[]string{"trace", "-s", "not-an-ip", "198.18.0.9"}, "-s not-an-ip:"},
	{[]string{"trace", "-s", "2001:db8::1", "198.18.0.9"}, "-s 2001:db8::1: an IPv6 source cannot reach 198.18.0.9"},
	{[]string{"trace", "-i", "eth0/1", "198.18.0.9"}, "-i eth0/1:"},
	{[]string{"trace", "-4", "-6", "198.18.0.9"}, "-4 and -6"},
	{[]string{"trace", "-6", "198.18.0.9"}, "(-6)"},
	{[]string{"trace", "-c", "5", "198.18.0.9"}, "-c is for --report"},
	{[]string{"trace", "--interval", "2", "198.18.0.9"}, "--interval is for --report"},
	{[]string{"trace", "--report", "-c", "0", "198.18.0.9"}, "-c 0:"},
	{[]string{"trace", "--report", "--interval", "-1", "198.18.0.9"}, "--interval -1:"},
	{[]string{"trace", "--report", "--interval", "NaN", "198.18.0.9"}, "--interval NaN:"},
	{[]string{"trace", "--report", "-c", "5", "--interval", "0", "198.18.0.9"}, "--interval 0: want a positive interval between rounds"}, // ran at 1 s
	{[]string{"trace", "--report", "-q", "0", "198.18.0.9"}, "-q 0:"},
	{[]string{"trace", "--live", "--interval", "0", "198.18.0.9"}, "--interval 0: want an interval between rounds of 1ms"},
	{[]string{"trace", "--live", "-m", "0", "198.18.0.9"}, "-m 0:"},

	{[]string{"link", "--max-retrans", "-5"}, "--max-retrans -5:"},
	{[]string{"link", "--max-retrans", "NaN"}, "--max-retrans NaN:"},
	{[]string{"link", "--max-retrans", "101"}, "--max-retrans 101:"},
	{[]string{"link", "--interval", "-1s"}, "--interval -1s:"},
	{[]string{"link", "--interval", "1ns"}, "--interval 1ns:"},
	{[]string{"link", "--watch", "--interval", "0"}, "--interval 0s:"},
	{[]string{"link", "--top", "-1"}, "--top -1:"},
	{[]string{"link", "--watch", "--interval", "-1s"}, "--interval -1s:"},
	{[]string{"link", "--allow-capture", ""}, `--allow-capture "":`},
	{[]string{"link", "--allow-capture", "NetworkManager-dispatcher"}, "--allow-capture NetworkManager-dispatcher: process names are at most 15 bytes"},
	{[]string{"link", "--netns", "netdx-no-such-namespace"}, "--netns netdx-no-such-namespace: no such network namespace"},
	{[]string{"link", "eth0/1"}, "eth0/1: not an interface name"},

	{[]string{"sockets", "--pid", "-1"}, "--pid -1:"},
	{[]string{"sockets", "--pid", "0"}, "--pid 0:"},
	{[]string{"sockets", "--pid", "7", "--pid", "99999999"}, "--pid 99999999:"},
	{[]string{"sockets", "--time-wait-pileup", "0"}, "--time-wait-pileup 0:"},
	{[]string{"sockets", "--time-wait-pileup", "-1"}, "--time-wait-pileup -1:"},
	{[]string{"sockets", "--proto", "sctp"}, "--proto sctp:"},
	{[]string{"sockets", "--proto", ""}, `--proto "":`},
	{[]string{"sockets", "--state", "FOO"}, "--state FOO:"},
	{[]string{"sockets", "--netns", "netdx-no-such-namespace"}, "--netns netdx-no-such-namespace:"},
	{[]string{"sockets", "--port", "70000"}, "--port 70000:"},
	{[]string{"sockets", "--port", "-1"}, "--port -1:"},
	{[]string{"sockets", "--allow-gateway", "gw"}, "--allow-gateway gw:"},

	{[]string{"diagnose", "--max-loss", "101", "198.18.0.9"}, "--max-loss 101:"}, // exited 0
	{[]string{"diagnose", "--max-loss", "NaN", "198.18.0.9"}, "--max-loss NaN:"},
	{[]string{"diagnose", "--max-loss", "0", "198.18.0.9"}, "--max-loss 0: no sample tells"},
	{[]string{"diagnose", "--max-loss", "-1", "198.18.0.9"}, "--max-loss -1:"},
	{[]string{"diagnose", "--max-retrans", "NaN"}, "--max-retrans NaN:"},
	{[]string{"diagnose", "--max-rtt", "0", "198.18.0.9"}, "--max-rtt 0s:"},
	{[]string{"diagnose", "--jump", "0", "198.18.0.9"}, "--jump 0s:"},
	{[]string{"diagnose", "-m", "0", "198.18.0.9"}, "-m 0:"},     // became 30
	{[]string{"diagnose", "-P", "foo", "198.18.0.9"}, "-P foo:"}, // explained itself only on stdout
	{[]string{"diagnose", "--duration", "0", "198.18.0.9"}, "--duration 0s:"},
	{[]string{"diagnose", "--round-interval", "1h", "198.18.0.9"}, "--round-interval 1h0m0s:"},
	{[]string{"diagnose", "--echo-interval", "0", "198.18.0.9"}, "--echo-interval 0s:"},
	{[]string{"diagnose", "--echo-interval", "-1s", "198.18.0.9"}, "--echo-interval -1s:"}, // ran no echo stream
	{[]string{"diagnose", "--round-interval", "0", "198.18.0.9"}, "--round-interval 0s:"},
	{[]string{"diagnose", "-P", "", "198.18.0.9"}, `-P "":`},
	{[]string{"diagnose", "--max-retrans", "-1"}, "--max-retrans -1:"},
	{[]string{"diagnose", "--interval", "-1s"}, "--interval -1s:"},
	{[]string{"diagnose", "--allow-capture", "NetworkManager-dispatcher"}, "--allow-capture NetworkManager-dispatcher:"},
	{[]string{"diagnose", "--allow-gateway", "gw"}, "--allow-gateway gw:"},
	{[]string{"diagnose", "--time-wait-pileup", "0"}, "--time-wait-pileup 0:"},
}

// TestBadFlags: every value in badFlags is refused as the project's rules
// say, with a line that names the flag and the value given.
func TestBadFlags(t *testing.T) {
	for _, tc := range badFlags {
		code, out, errOut := runNetdx(t, tc.args...)
		prefix := "netdx " + tc.args[0] + ": "
		if code != exitUnknown || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, prefix) || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 3, nothing on stdout and one line with %q", tc.args, code, out, errOut, tc.want)
		}
		if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") {
			t.Errorf("%q: stack trace on stderr: %q", tc.args, errOut)
		}
	}
}

// withAction runs netdx with args, the command's action replaced by fn:
// what a command builds from its flags, with nothing run.
func withAction(t *testing.T, fn cli.ActionFunc, args ...string) {
	t.Helper()
	app := newApp(io.Discard, io.Discard)
	app.Command(args[0]).Action = fn
	if err := app.Run(append([]string{"netdx"}, args...)); err != nil {
		t.Errorf("%q: %v", args, err)
	}
}

// TestZeroTaken: a flag given as 0 reaches the engine as 0, and the
// engine takes it where 0 means something (refusals are in badFlags);
// flags not given leave the engine's defaults.
func TestZeroTaken(t *testing.T) {
	withAction(t, func(c *cli.Context) error {
		cfg, err := pingConfig(c, false)
		if err != nil || cfg.Deadline != 0 || cfg.TOS != 0 || cfg.Validate() != nil {
			t.Errorf("ping -w 0 -Q 0: %+v %v, want no deadline (iputils' -w 0) and TOS 0", cfg, err)
		}
		return nil
	}, "ping", "-w", "0", "-Q", "0")
	withAction(t, func(c *cli.Context) error {
		cfg, err := pingConfig(c, false)
		d := probe.DefaultConfig()
		if err != nil || cfg.Count != d.Count || cfg.Interval != d.Interval || cfg.Timeout != d.Timeout || cfg.Size != d.Size || cfg.TTL != d.TTL {
			t.Errorf("ping without flags: %+v %v, want the engine's defaults", cfg, err)
		}
		return nil
	}, "ping")
	withAction(t, func(c *cli.Context) error {
		cfg, rules, err := linkConfigs(c)
		if err != nil || cfg.Link.Interval != 0 || cfg.Top != 0 || rules.MaxRetransPct != 0 {
			t.Errorf("link --interval 0 --top 0 --max-retrans 0: %+v %+v %v, want counters since boot, no connections, any retransmit", cfg, rules, err)
		}
		return nil
	}, "link", "--interval", "0", "--top", "0", "--max-retrans", "0")
	withAction(t, func(c *cli.Context) error {
		_, host, path, err := diagnoseConfigs(c)
		if err != nil || host.Interval != 0 || path.Trace.Protocol != trace.TCP || path.Trace.Port != trace.TCP.DefaultPort() {
			t.Errorf("diagnose --interval 0 -P tcp: %+v %+v %v, want counters since boot, tcp to its port", host, path.Trace, err)
		}
		return nil
	}, "diagnose", "--interval", "0", "-P", "tcp")
	withAction(t, func(c *cli.Context) error {
		cfg, err := watchConfig(c)
		if err != nil || cfg.PathInterval != watch.Never || cfg.RoundEvery != watch.Never {
			t.Errorf("watch --path-interval 0 --journal-rounds 0: %v %v %v, want never", cfg.PathInterval, cfg.RoundEvery, err)
		}
		return nil
	}, "watch", "--path-interval", "0", "--journal-rounds", "0")
	withAction(t, func(c *cli.Context) error {
		cfg, err := watchConfig(c)
		if err != nil || cfg.Interval != 5*time.Second || cfg.Echo.Interval != 5*time.Second {
			t.Errorf("watch --interval 5s: %v, echo every %v (%v), want both 5s", cfg.Interval, cfg.Echo.Interval, err)
		}
		return nil
	}, "watch", "--interval", "5s")
}

func TestFromSeconds(t *testing.T) {
	app := newApp(nil, nil)
	ctx := cliContext(t, app, "ping")
	for _, tc := range []struct {
		in   float64
		want time.Duration
	}{
		{0, 0},
		{1e-12, time.Nanosecond}, // not 0: the engine says why it is too short
		{-1e-12, -time.Nanosecond},
		{0.2, 200 * time.Millisecond},
		{1e300, math.MaxInt64},
		{math.Inf(1), math.MaxInt64},
		{math.Inf(-1), -math.MaxInt64},
	} {
		if got, err := fromSeconds(ctx, "i", tc.in); err != nil || got != tc.want {
			t.Errorf("fromSeconds(%g) = %v %v, want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := fromSeconds(ctx, "i", math.NaN()); err == nil {
		t.Error("NaN seconds accepted")
	}
}

// cliContext is a context for cmd's command, for helpers that only read
// its name.
func cliContext(t *testing.T, app *cli.App, cmd string) *cli.Context {
	t.Helper()
	c := cli.NewContext(app, nil, nil)
	if c.Command = app.Command(cmd); c.Command == nil {
		t.Fatalf("no command %q", cmd)
	}
	return c
}

// TestFailure: a field no flag maps to still gives one UNKNOWN line in the
// engine's words; other errors are UNKNOWN with the command's prefix once.
// The live view's echo stream refusing trace's source names -s, as trace
// does (which of the two fails first depends on the scheduler).
func TestFailure(t *testing.T) {
	c := cliContext(t, newApp(nil, nil), "trace")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&trace.ConfigError{Field: "Retries", Value: 4, Reason: "want at most 3 retries"}, "netdx trace: trace: Retries 4: want at most 3 retries\n"},
		{errors.New("trace: no route to 198.18.0.9"), "netdx trace: no route to 198.18.0.9\n"},
		{errors.New("namespace: enter x: denied"), "netdx trace: namespace: enter x: denied\n"},
		{fmt.Errorf("check: echo stream to 198.18.4.2: %w", &probe.ConfigError{Field: "Source", Value: "198.18.99.1", Reason: "not an address of this host"}),
			"netdx trace: -s 198.18.99.1: not an address of this host\n"},
	} {
		var b strings.Builder
		if code := report(&b, failure(c, configFlags["trace"], tc.err)); code != exitUnknown || b.String() != tc.want {
			t.Errorf("%v: exit %d, %q; want 3, %q", tc.err, code, b.String(), tc.want)
		}
	}
}
