package diagnose

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"netdx/trace"
)

// loadPath reads testdata/path/NAME.json, recorded in a lab by
// TestIntegrationPathFixtures (go test ./diagnose -run PathFixtures -update).
func loadPath(t *testing.T, name string) PathEvidence {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "path", name+".json"))
	if err != nil {
		t.Fatalf("%v (record with: go test ./diagnose -run TestIntegrationPathFixtures -update)", err)
	}
	var f struct {
		Evidence PathEvidence `json:"evidence"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f.Evidence
}

// TestPathFixtures applies the path rules to evidence recorded in lab
// namespaces: each must give the verdict the lab was built for, and none
// the verdicts of the traps (a router's rate limit read as loss, loss
// placed at the target or before where it starts, a hop after the target).
func TestPathFixtures(t *testing.T) {
	cases := []struct {
		name   string
		want   []string // kind@hop/severity, in order (severity first)
		status string
		check  func(t *testing.T, fs []Finding)
	}{
		{name: "clean-ratelimited", status: "ok"},
		{name: "loss30-link3", want: []string{"path_loss@3/warning"}, status: "warning"},
		{name: "loss10-echo-link3", want: []string{"path_loss@3/warning"}, status: "warning"},
		{name: "loss30-echo-ratelimited", status: "warning", check: func(t *testing.T, fs []Finding) {
			f := only(t, fs, KindPathLoss)
			loc := f.Evidence["location"].(map[string]any)
			if f.Severity != Warning || loc["after_hop"].(int) >= 3 || loc["by_hop"].(int) < 3 || (f.Hop != 0 && f.Hop != 3) {
				t.Errorf("%s %v: want a warning placed at hop 3 or in a range that holds it", f.Summary, loc)
			}
		}},
		{name: "loss30-echo-udp", status: "warning", check: func(t *testing.T, fs []Finding) {
			if f := only(t, fs, KindPathLoss); f.Severity != Warning || f.Hop != 0 || !strings.Contains(f.Summary, "echo requests only") {
				t.Errorf("%s: want a warning the udp trace cannot place", f.Summary)
			}
		}},
		{name: "loss30-last-link", want: []string{"path_loss@4/warning"}, status: "warning"},
		{name: "icmp-drop60", want: []string{"hop_icmp_ratelimit@2/info"}, status: "ok"},
		{name: "slow-icmp", want: []string{"hop_icmp_ratelimit@2/info"}, status: "ok"},
		{name: "jump80-v6", want: []string{"latency_jump@2/info"}, status: "ok"},
		{name: "silent-router", status: "ok"},
		{name: "blackhole", want: []string{"target_unreachable@0/critical"}, status: "critical"},
		{name: "admin-prohibited", want: []string{"unreachable@3/critical"}, status: "critical"},
		{name: "loop-v4", status: "critical", check: loopOf("198.18.1.2", "198.18.2.2")},
		{name: "loop-v6", status: "critical", check: loopOf("2001:db8:2::2", "2001:db8:2::1")},
		{name: "loop-ratelimited", status: "critical", check: loopOf("198.18.1.2", "198.18.2.2")},
		{name: "mtu-blackhole-v4", want: []string{"mtu_blackhole@1/warning"}, status: "warning", check: blackHoleOf(1400, "198.18.1.2")},
		{name: "mtu-blackhole-v6", want: []string{"mtu_blackhole@1/warning"}, status: "warning", check: blackHoleOf(1400, "2001:db8:1::2")},
		{name: "mtu-clean-v4", status: "ok"},
		{name: "mtu-clean-ratelimited", status: "ok"},
		{name: "return-loss30", want: []string{"path_loss@3/warning", "asymmetric_return@3/info"}, status: "warning", check: func(t *testing.T, fs []Finding) {
			f := only(t, fs, KindPathLoss)
			rp, _ := f.Evidence["return_path"].(map[string]any)
			if rp["asymmetric"] != true || rp["from_hop"] != 3 || rp["return_hops"] != 4 || !strings.Contains(f.Summary, "return path") {
				t.Errorf("%s %v: want the loss said to be maybe on the return path, 4 hops back from hop 3", f.Summary, rp)
			}
		}},
		{name: "asymmetric-clean", want: []string{"asymmetric_return@3/info"}, status: "ok"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev := loadPath(t, tc.name)
			fs := Path(ev, DefaultConfig())
			Sort(fs)
			if st := Overall(fs, false).String(); st != tc.status {
				t.Errorf("status %s, want %s", st, tc.status)
			}
			if tc.check != nil {
				tc.check(t, fs)
			}
			if tc.check == nil || tc.want != nil {
				var got []string
				for _, k := range kindsAt(fs) {
					// Rate limits of the routers are information the
					// cases do not list unless they are the point.
					if !strings.HasPrefix(k, string(KindHopICMPRateLimit)) || len(tc.want) > 0 {
						got = append(got, k)
					}
				}
				if strings.Join(got, " ") != strings.Join(tc.want, " ") {
					t.Errorf("findings %v, want %v", got, tc.want)
				}
			}
			if t.Failed() {
				for _, f := range fs {
					t.Logf("%s %s: %s", f.Severity, f.Kind, f.Summary)
				}
			}
			rep := trace.Summarize(ev.Rounds)
			if n := len(rep.Hops); rep.TargetTTL > 0 && rep.Hops[n-1].TTL != rep.TargetTTL {
				t.Errorf("hop %d after the target's hop %d", rep.Hops[n-1].TTL, rep.TargetTTL)
			}
		})
	}
}

// only returns the one finding of kind.
func only(t *testing.T, fs []Finding, kind Kind) Finding {
	t.Helper()
	var out []Finding
	for _, f := range fs {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d %s findings, want 1: %v", len(out), kind, kindsAt(fs))
	}
	return out[0]
}

// loopOf checks the one finding is a routing loop between the addresses
// given, in the order they answer, that replaces target_unreachable.
func loopOf(addrs ...string) func(t *testing.T, fs []Finding) {
	return func(t *testing.T, fs []Finding) {
		if len(fs) != 1 {
			t.Fatalf("findings %v, want one routing_loop", kindsAt(fs))
		}
		f := only(t, fs, KindRoutingLoop)
		var got []string
		for _, r := range f.Evidence["routers"].([]map[string]any) {
			got = append(got, r["addr"].(string))
		}
		if f.Severity != Critical || strings.Join(got, " ") != strings.Join(addrs, " ") || f.Addr != addrs[0] {
			t.Errorf("%s: routers %v at %s, want %v", f.Summary, got, f.Addr, addrs)
		}
	}
}

// blackHoleOf checks the MTU black hole's largest working size and the
// last hop that passed the big packets.
func blackHoleOf(ok int, last string) func(t *testing.T, fs []Finding) {
	return func(t *testing.T, fs []Finding) {
		f := only(t, fs, KindMTUBlackHole)
		if f.Evidence["largest_ok"] != ok || f.Addr != last || !strings.Contains(f.Summary, "MSS") {
			t.Errorf("%s: want %d bytes passing, the last hop %s, and the fix", f.Summary, ok, last)
		}
	}
}
