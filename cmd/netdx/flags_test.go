package main

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/link"
	"netdx/probe"
	"netdx/sockets"
	"netdx/trace"
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
	{[]string{"ping", "-i", "0", "198.18.0.9"}, "-i 0:"},
	{[]string{"ping", "-i", "-1", "198.18.0.9"}, "-i -1:"},
	{[]string{"ping", "-i", "NaN", "198.18.0.9"}, "-i NaN:"},
	{[]string{"ping", "-i", "1e300", "198.18.0.9"}, "-i 1e300:"},
	{[]string{"ping", "-W", "0", "198.18.0.9"}, "-W 0:"},
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

	{[]string{"link", "--max-retrans", "-5"}, "--max-retrans -5:"},
	{[]string{"link", "--max-retrans", "NaN"}, "--max-retrans NaN:"},
	{[]string{"link", "--max-retrans", "101"}, "--max-retrans 101:"},
	{[]string{"link", "--interval", "-1s"}, "--interval -1s:"},
	{[]string{"link", "--interval", "1ns"}, "--interval 1ns:"},
	{[]string{"link", "--watch", "--interval", "0"}, "--interval 0s:"},
	{[]string{"link", "--top", "-1"}, "--top -1:"},
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

// TestExplicitZeroIsOne: cmd passes a flag given as 0 with one constant;
// every engine must read it as its own ExplicitZero.
func TestExplicitZeroIsOne(t *testing.T) {
	if probe.ExplicitZero != explicitZero || trace.ExplicitZero != explicitZero || link.ExplicitZero != explicitZero || sockets.ExplicitZero != explicitZero {
		t.Error("the engines' ExplicitZero constants differ from cmd's")
	}
}

func TestFromSeconds(t *testing.T) {
	app := newApp(nil, nil)
	ctx := cliContext(t, app, "ping")
	for _, tc := range []struct {
		in   float64
		want time.Duration
	}{
		{0, explicitZero},
		{1e-12, time.Nanosecond}, // not 0: that would be the default
		{-1e-12, -time.Nanosecond},
		{0.2, 200 * time.Millisecond},
		{1e300, math.MaxInt64},
		{math.Inf(1), math.MaxInt64},
		{math.Inf(-1), -math.MaxInt64}, // not explicitZero
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
func TestFailure(t *testing.T) {
	c := cliContext(t, newApp(nil, nil), "trace")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&trace.ConfigError{Field: "Retries", Value: 4, Reason: "want at most 3 retries"}, "netdx trace: trace: Retries 4: want at most 3 retries\n"},
		{errors.New("trace: no route to 198.18.0.9"), "netdx trace: no route to 198.18.0.9\n"},
		{errors.New("namespace: enter x: denied"), "netdx trace: namespace: enter x: denied\n"},
	} {
		var b strings.Builder
		if code := report(&b, failure(c, configFlags["trace"], tc.err)); code != exitUnknown || b.String() != tc.want {
			t.Errorf("%v: exit %d, %q; want 3, %q", tc.err, code, b.String(), tc.want)
		}
	}
}
