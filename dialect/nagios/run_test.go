package nagios

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"netdx/probe"
	"netdx/probe/probetest"
)

var (
	h1 = probe.Target{Name: "h1", Addr: netip.MustParseAddr("198.18.201.2")}
	h2 = probe.Target{Name: "h2", Addr: netip.MustParseAddr("2001:db8::2")}
)

func reply(target int) probe.Event { return probe.Event{Kind: probe.EventReply, Target: target} }

func icmpError(target, typ, code int) probe.Event {
	return probe.Event{Kind: probe.EventError, Target: target, ErrType: typ, ErrCode: code, From: netip.MustParseAddr("198.18.200.2")}
}

// TestPingRun: check_ping's run ends at the first error it knows, or
// with several hosts at the first reply; and says so.
func TestPingRun(t *testing.T) {
	th := Thresholds{Warn: Threshold{100, 20}, Crit: Threshold{500, 60}}
	ok := []probe.Result{probetest.Result("h1", 5, 1, 1, 1, 1, 1)}

	one := NewPingRun([]probe.Target{h1})
	if one.Event(reply(0)) || one.Event(icmpError(0, 4, 0)) {
		t.Error("one host: a reply or a source quench ended the run")
	}
	if out, state := one.Output(ok, th, true); state != OK || !strings.HasPrefix(out, "PING OK - Packet loss = 0%") || !strings.HasSuffix(out, "\n"+th.Verbose()) {
		t.Errorf("one host answered: %v %q", state, out)
	}
	if !one.Event(icmpError(0, 3, 1)) || one.Event(icmpError(0, 3, 0)) {
		t.Error("one host: the first unreachable did not end the run, or a second one counted")
	}
	if out, state := one.Output(ok, th, true); state != Critical || out != "CRITICAL - Host Unreachable (h1)" {
		t.Errorf("unreachable: %v %q", state, out)
	}

	two := NewPingRun([]probe.Target{h1, h2})
	if !two.Event(reply(1)) || two.Event(icmpError(0, 3, 1)) {
		t.Error("two hosts: the first reply did not end the run, or an error after it counted")
	}
	if out, state := two.Output(nil, th, false); state != OK || out != "h2 is alive" {
		t.Errorf("alive: %v %q", state, out)
	}
}

// TestICMPRun: a host that sends an error is a lost cause, but for a
// source quench; the run ends when every host is, and its line names the
// error.
func TestICMPRun(t *testing.T) {
	r := NewICMPRun([]probe.Target{h1, h2})
	if r.Event(icmpError(0, 4, 0)) || r.Event(reply(1)) || r.Event(icmpError(0, 3, 1)) || r.Event(icmpError(0, 3, 0)) {
		t.Error("the run ended before every host was a lost cause")
	}
	if !r.Event(icmpError(1, 1, 3)) {
		t.Error("every host a lost cause and the run goes on")
	}
	warn, crit := ICMPThreshold{200, 40}, ICMPThreshold{500, 80}
	results := []probe.Result{probetest.Result("h1", 1), probetest.Result("h2", 1)}
	results[0].Addr, results[1].Addr = h1.Addr.String(), h2.Addr.String()
	line, state := r.Output(results, warn, crit, -1)
	if state != Critical || !strings.HasPrefix(line, "CRITICAL - h1: Host unreachable @ 198.18.200.2. rta nan, lost 100% :: h2: ") {
		t.Errorf("%v %q", state, line)
	}
}

// TestRunTimes: check_ping's time grows with its packets at the critical
// RTA; check_icmp's is every packet at its interval and the critical RTA,
// within -t.
func TestRunTimes(t *testing.T) {
	th := Thresholds{Crit: Threshold{RTA: 3000}}
	if got := PingDeadline(10, 5, th); got != 20*time.Second {
		t.Errorf("check_ping: %v, want 5 packets at 3 s and a second each", got)
	}
	if got := PingDeadline(30, 5, th); got != 30*time.Second {
		t.Errorf("check_ping: %v, want -t when longer", got)
	}
	crit := ICMPThreshold{RTA: 500}
	if got := ICMPDeadline(2, 5, 80*time.Millisecond, crit, 10); got != 2*5*580*time.Millisecond+500*time.Millisecond {
		t.Errorf("check_icmp: %v", got)
	}
	if got := ICMPDeadline(20, 20, time.Second, crit, 10); got != 10*time.Second {
		t.Errorf("check_icmp: %v, want -t", got)
	}
}
