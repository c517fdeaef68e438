package diagnose_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"netdx/check"
	"netdx/diagnose"
	"netdx/internal/netlab"
)

// pathRecording is a lab whose path evidence is kept in testdata/path for
// the rules' unit tests (TestPathFixtures).
type pathRecording struct {
	name, about string
	v6          bool
	proto       string
	build       func(l *netlab.Lab) *netlab.Path
	// diamond, when set, builds a forked path instead of build's chain.
	diamond func(l *netlab.Lab) *netlab.Diamond
}

func fast(l *netlab.Lab, cfg netlab.PathConfig) *netlab.Path {
	cfg.Routers, cfg.NoICMPRateLimit = 3, true
	return l.Chain(cfg)
}

// pathRecordings are the path scenarios of "netdx diagnose" and the traps
// of reading a path: the chain src — r1 — r2 — r3 — dst, dst at hop 4.
func pathRecordings() []pathRecording {
	out := []pathRecording{{
		name: "clean-ratelimited", about: "a clean path through routers with Linux's default ICMP rate limits",
		build: func(l *netlab.Lab) *netlab.Path { return l.Chain(netlab.PathConfig{Routers: 3}) },
	}, {
		name: "loss30-link3", about: "r2 drops 30% of what it forwards (both ways), every router answers every probe",
		build: func(l *netlab.Lab) *netlab.Path {
			p := fast(l, netlab.PathConfig{})
			p.Routers[1].Loss(netlab.Forward, netip.Prefix{}, 30)
			return p
		},
	}, {
		name: "loss10-echo-link3", about: "r2 drops 10% of the echo requests it forwards",
		build: func(l *netlab.Lab) *netlab.Path {
			p := fast(l, netlab.PathConfig{})
			p.Routers[1].LoseEchoRequests(netlab.Forward, 10)
			return p
		},
	}, {
		name: "loss30-echo-ratelimited", about: "the issue's lab: r2 drops 30% of the echo requests it forwards, routers rate-limit their ICMP",
		build: func(l *netlab.Lab) *netlab.Path {
			p := l.Chain(netlab.PathConfig{Routers: 3})
			p.Routers[1].LoseEchoRequests(netlab.Forward, 30)
			return p
		},
	}, {
		name: "loss30-echo-udp", proto: "udp", about: "r2 drops 30% of the echo requests it forwards, traced with udp probes",
		build: func(l *netlab.Lab) *netlab.Path {
			p := fast(l, netlab.PathConfig{})
			p.Routers[1].LoseEchoRequests(netlab.Forward, 30)
			return p
		},
	}, {
		name: "loss30-last-link", about: "r3 drops 30% of what it forwards: the target's last link",
		build: func(l *netlab.Lab) *netlab.Path {
			p := fast(l, netlab.PathConfig{})
			p.Routers[2].Loss(netlab.Forward, netip.Prefix{}, 30)
			return p
		},
	}, {
		name: "icmp-drop60", about: "r2 drops 60% of its own ICMP",
		build: func(l *netlab.Lab) *netlab.Path {
			p := fast(l, netlab.PathConfig{})
			p.Routers[1].DropICMPShare(60)
			return p
		},
	}, {
		name: "slow-icmp", about: "r2's own ICMP takes 25 ms more on its way back; what it forwards does not",
		build: func(l *netlab.Lab) *netlab.Path {
			var p0 *netlab.Path
			return fast(l, netlab.PathConfig{Delays: []time.Duration{0, 25 * time.Millisecond},
				DelayOnly: []func([]byte) bool{nil, netlab.ICMPFrom(p0.Hop4(2), p0.Hop6(2))}})
		},
	}, {
		name: "jump80-v6", v6: true, about: "a slow wire adds 80 ms on link 2 (IPv6)",
		build: func(l *netlab.Lab) *netlab.Path {
			return fast(l, netlab.PathConfig{Delays: []time.Duration{0, 40 * time.Millisecond}})
		},
	}, {
		name: "silent-router", about: "r2 never answers TTL expiry",
		build: func(l *netlab.Lab) *netlab.Path {
			p := fast(l, netlab.PathConfig{})
			p.Routers[1].SilentTTL()
			return p
		},
	}, {
		name: "blackhole", about: "r3 drops everything for the target",
		build: func(l *netlab.Lab) *netlab.Path {
			p := fast(l, netlab.PathConfig{})
			p.Routers[2].Fault(netlab.Forward, "ip daddr "+p.Target4().String()+" drop")
			return p
		},
	}, {
		name: "admin-prohibited", about: "r2 answers !X for the target",
		build: func(l *netlab.Lab) *netlab.Path {
			p := fast(l, netlab.PathConfig{})
			p.Routers[1].Reject(netlab.Forward, netip.PrefixFrom(p.Target4(), 32), netlab.AdminProhibited)
			return p
		},
	}}
	return append(out, shapeRecordings()...)
}

// shapeRecordings are the path's shape: routing loops, MTU black holes and
// clean smaller MTUs, return paths that differ from the way there.
func shapeRecordings() []pathRecording {
	loop := func(l *netlab.Lab) *netlab.Path {
		p := fast(l, netlab.PathConfig{})
		p.Loop(2)
		return p
	}
	blackHole := func(l *netlab.Lab) *netlab.Path {
		p := fast(l, netlab.PathConfig{MTUs: []int{0, 1400}})
		p.Routers[0].SilentTooBig()
		return p
	}
	asymmetric := func(lossPct int) func(l *netlab.Lab) *netlab.Diamond {
		return func(l *netlab.Lab) *netlab.Diamond {
			d := l.Diamond(netlab.DiamondConfig{Branches: []int{1, 2}, Asymmetric: true, NoICMPRateLimit: true})
			if lossPct > 0 {
				d.Branches[1][0].Loss(netlab.Forward, netip.Prefix{}, lossPct)
			}
			return d
		}
	}
	return []pathRecording{
		{name: "loop-v4", about: "r2 sends the target's packets back to r1: a routing loop", build: loop},
		{name: "loop-v6", v6: true, about: "r2 sends the target's packets back to r1: a routing loop (IPv6)", build: loop},
		{name: "loop-ratelimited", about: "a routing loop between r1 and r2, routers with Linux's default ICMP rate limits",
			build: func(l *netlab.Lab) *netlab.Path {
				p := l.Chain(netlab.PathConfig{Routers: 3})
				p.Loop(2)
				return p
			}},
		{name: "mtu-blackhole-v4", about: "a 1400-byte link after r1, which never says fragmentation needed", build: blackHole},
		{name: "mtu-blackhole-v6", v6: true, about: "a 1400-byte link after r1, which never says packet too big (IPv6)", build: blackHole},
		{name: "mtu-clean-v4", about: "a 1400-byte link after r1, which says fragmentation needed",
			build: func(l *netlab.Lab) *netlab.Path { return fast(l, netlab.PathConfig{MTUs: []int{0, 1400}}) }},
		{name: "mtu-clean-ratelimited", about: "a 1400-byte link after r1, which says fragmentation needed within Linux's default ICMP rate limits",
			build: func(l *netlab.Lab) *netlab.Path { return l.Chain(netlab.PathConfig{Routers: 3, MTUs: []int{0, 1400}}) }},
		{name: "return-loss30", about: "the replies come back through a longer branch whose first router drops 30%; the way there is clean",
			diamond: asymmetric(30)},
		{name: "asymmetric-clean", about: "the replies come back through a longer branch; both ways clean", diamond: asymmetric(0)},
	}
}

// TestIntegrationPathFixtures records, in lab namespaces, the evidence
// (trace rounds and echo stream) of every pathRecording into
// testdata/path. It only runs with -update.
func TestIntegrationPathFixtures(t *testing.T) {
	if f := flag.Lookup("update"); f == nil || f.Value.String() != "true" {
		t.Skip("run with -update to record the path fixtures again")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range pathRecordings() {
		t.Run(r.name, func(t *testing.T) {
			l := netlab.New(t)
			src, target := r.lab(l)
			// The check runs in a child of this test binary inside the
			// namespace: its sockets, opened by many goroutines, must
			// all be the lab's.
			cmd := src.Command(context.Background(), self, "-test.run=^TestRecordPathHelper$")
			cmd.Env = append(os.Environ(), "NETDX_RECORD_PATH="+target.String(), "NETDX_RECORD_PROTO="+r.proto)
			out, err := cmd.Output()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("recorder: %v: %s", err, ee.Stderr)
			} else if err != nil {
				t.Fatal(err)
			}
			var ev diagnose.PathEvidence
			if err := json.Unmarshal(out, &ev); err != nil {
				t.Fatalf("recorder output: %v\n%s", err, out)
			}
			ev.Target = "dst"
			b, err := json.Marshal(pathFixture{About: r.about, Evidence: ev})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("testdata", "path", r.name+".json"), append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// lab builds the recording's lab and returns where to run the check from
// and its target.
func (r pathRecording) lab(l *netlab.Lab) (*netlab.Node, netip.Addr) {
	if r.diamond != nil {
		d := r.diamond(l)
		if r.v6 {
			return d.Src, d.Target6()
		}
		return d.Src, d.Target4()
	}
	p := r.build(l)
	if r.v6 {
		return p.Src, p.Target6()
	}
	return p.Src, p.Target4()
}

type pathFixture struct {
	About    string                `json:"about"`
	Evidence diagnose.PathEvidence `json:"evidence"`
}

// TestRecordPathHelper is the recorder's child: it checks the path to
// $NETDX_RECORD_PATH as "netdx diagnose" does and prints the evidence.
func TestRecordPathHelper(t *testing.T) {
	target := os.Getenv("NETDX_RECORD_PATH")
	if target == "" {
		t.Skip("the child of TestIntegrationPathFixtures")
	}
	a := netip.MustParseAddr(target)
	cfg := check.DefaultPathConfig() // netdx diagnose's
	if p := os.Getenv("NETDX_RECORD_PROTO"); p != "" {
		if err := cfg.Trace.Protocol.UnmarshalText([]byte(p)); err != nil {
			t.Fatal(err)
		}
		cfg.Trace.Port = cfg.Trace.Protocol.DefaultPort()
	}
	ev, err := check.Path(context.Background(), check.Target{Name: target, Addr: a}, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(b)
	os.Exit(0)
}
