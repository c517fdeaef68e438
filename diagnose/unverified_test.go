package diagnose

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"netdx/trace"
)

// unverifiedPath is rounds of a 3-hop ICMP trace in which hop 2 answers
// every probe, with answers that are unverified or not: a Time Exceeded
// 40 ms further, or a !H that ends the path (then the target is never
// reached); and an echo stream of 300 requests with received replies.
func unverifiedPath(rounds int, unverified, hostUnreachable bool, received int) PathEvidence {
	a := func(k int) netip.Addr { return netip.AddrFrom4([4]byte{198, 18, byte(k), 2}) }
	ev := PathEvidence{Target: "dst", Addr: a(3), Protocol: trace.ICMP,
		Echo: &Echo{Sent: 300, Received: received, Interval: 10 * time.Millisecond}}
	for range received {
		ev.Echo.RTTs = append(ev.Echo.RTTs, 41*time.Millisecond)
	}
	for range rounds {
		res := trace.Result{Addr: a(3), Protocol: trace.ICMP, Reached: !hostUnreachable, EndReason: trace.EndReached}
		res.Hops = append(res.Hops, trace.Hop{TTL: 1, Probes: []trace.Probe{{Addr: a(1), RTT: time.Millisecond, ICMPType: 11}}})
		h2 := trace.Probe{Addr: a(2), RTT: 40 * time.Millisecond, ICMPType: 11, Unverified: unverified}
		if hostUnreachable {
			h2.ICMPType, h2.ICMPCode, h2.Annotation, res.EndReason = 3, 1, "!H", trace.EndUnreachable
		}
		res.Hops = append(res.Hops, trace.Hop{TTL: 2, Probes: []trace.Probe{h2}, Unverified: unverified})
		if !hostUnreachable {
			res.Hops = append(res.Hops, trace.Hop{TTL: 3, Probes: []trace.Probe{{Addr: a(3), RTT: 41 * time.Millisecond}}})
		}
		ev.Rounds = append(ev.Rounds, res)
	}
	return ev
}

// TestPathUnverified: what rests on a hop answered only by unverified ICMP
// errors is said to be unverified and makes no critical finding alone; the
// same answers verified are read as before.
func TestPathUnverified(t *testing.T) {
	for _, tc := range []struct {
		name string
		ev   PathEvidence
		want []string
	}{
		{"a verified !H, nothing answers", unverifiedPath(20, false, true, 0), []string{"unreachable@2/critical"}},
		// The !H may be forged: the target's silence is what is critical.
		{"an unverified !H, nothing answers", unverifiedPath(20, true, true, 0), []string{"unreachable@2/warning", "target_unreachable@0/critical"}},
		{"an unverified !H, the target answers echoes", unverifiedPath(20, true, true, 300), []string{"unreachable@2/warning", "latency_jump@2/info"}},
		{"40 ms at a verified hop", unverifiedPath(20, false, false, 300), []string{"latency_jump@2/info"}},
		{"40 ms at an unverified hop", unverifiedPath(20, true, false, 300), []string{"latency_jump@2/info"}},
	} {
		got := Path(tc.ev, DefaultConfig())
		if !slices.Equal(kindsAt(got), tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, kindsAt(got), tc.want)
			continue
		}
		unverified := tc.ev.Rounds[0].Hops[1].Unverified
		for _, f := range got {
			marked := f.Evidence["unverified"] == true && strings.Contains(f.Summary, "unverified")
			if marked != (unverified && f.Hop == 2) {
				t.Errorf("%s: %s marked %v: %s %v", tc.name, f.Kind, marked, f.Summary, f.Evidence)
			}
		}
	}
}
