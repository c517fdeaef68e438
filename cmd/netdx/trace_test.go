package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"netdx/internal/netlab"
)

// TestTraceBadInput: bad input is one line on stderr and exit 3, before
// any socket is opened.
func TestTraceBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"trace"},
		{"trace", "a", "b"},
		{"trace", "-P", "sctp", "198.18.0.99"},
		{"trace", "-w", "0", "198.18.0.99"},
		{"trace", "-q", "0", "198.18.0.99"},
		{"trace", "-m", "300", "198.18.0.99"},
		{"trace", "-f", "5", "-m", "3", "198.18.0.99"},
		{"trace", "-4", "-6", "198.18.0.99"},
		{"trace", "-s", "not-an-ip", "198.18.0.99"},
		{"trace", "-6", "198.18.0.99"},
		{"trace", "--mtu", "-P", "tcp", "198.18.0.99"},
		{"trace", "--report", "-c", "0", "198.18.0.99"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"netdx"}, args...), &out, &errb)
		if code != exitUnknown || out.Len() != 0 || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 3 and one line", args, code, out.String(), errb.String())
		}
	}
}

type traceDoc struct {
	Target    string `json:"target"`
	Addr      string `json:"addr"`
	Protocol  string `json:"protocol"`
	Reached   bool   `json:"reached"`
	EndReason string `json:"end_reason"`
	Hops      []struct {
		TTL    int `json:"ttl"`
		Probes []struct {
			Addr       string   `json:"addr"`
			RTT        *float64 `json:"rtt_ms"`
			Timeout    bool     `json:"timeout"`
			Annotation string   `json:"annotation"`
			ICMPType   *int     `json:"icmp_type"`
			ICMPCode   *int     `json:"icmp_code"`
		} `json:"probes"`
	} `json:"hops"`
}

// TestIntegrationTraceCommand runs the netdx binary in the lab: classic
// text, one JSON document, exit 2 with the mark of a reject, a report,
// and unprivileged UDP.
func TestIntegrationTraceCommand(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2})
	for _, r := range p.Routers {
		r.NoICMPRateLimit()
	}
	p.Dst.NoICMPRateLimit()
	t4, t6 := p.Target4().String(), p.Target6().String()

	code, out, errOut := netdxIn(t, p.Src, nil, "trace", "-n", t4)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 4 || !strings.HasPrefix(lines[0], "traceroute to "+t4) {
		t.Fatalf("text: exit %d\n%s%s", code, out, errOut)
	}
	for k := 1; k <= 3; k++ {
		if f := strings.Fields(lines[k]); len(f) != 8 || f[1] != p.Hop4(k).String() || f[3] != "ms" {
			t.Errorf("hop %d line %q, want the hop's address and 3 RTTs", k, lines[k])
		}
	}

	code, out, errOut = netdxIn(t, p.Src, nil, "trace", "--json", "-n", "-P", "icmp", t6)
	var d traceDoc
	if err := json.Unmarshal([]byte(out), &d); err != nil || code != exitOK {
		t.Fatalf("json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	if !d.Reached || d.EndReason != "reached" || d.Protocol != "icmp" || len(d.Hops) != 3 || d.Hops[2].Probes[0].Addr != t6 {
		t.Errorf("json: %+v", d)
	}

	p.Routers[0].Reject(netlab.Forward, netip.PrefixFrom(p.Target4(), 32), netlab.HostUnreachable)
	code, out, _ = netdxIn(t, p.Src, nil, "trace", "--json", "-n", t4)
	d = traceDoc{}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if code != exitCritical || d.Reached || d.EndReason != "unreachable" || len(d.Hops) != 2 {
		t.Fatalf("reject: exit %d, %+v", code, d)
	}
	pr := d.Hops[1].Probes[0]
	if pr.Annotation != "!H" || pr.ICMPType == nil || *pr.ICMPType != 3 || *pr.ICMPCode != 1 || pr.Addr != p.Hop4(1).String() {
		t.Errorf("reject: hop 2 probe %+v, want !H 3/1 from %s", pr, p.Hop4(1))
	}
	code, out, _ = netdxIn(t, p.Src, nil, "trace", "-n", t4)
	if code != exitCritical || !strings.Contains(out, "!H") {
		t.Errorf("reject text: exit %d\n%s", code, out)
	}
	p.Routers[0].ClearFaults()

	code, out, errOut = netdxIn(t, p.Src, nil, "trace", "--report", "-c", "3", "--interval", "0.1", "-n", t4)
	if code != exitOK || !strings.Contains(out, "3.|-- "+t4) || !strings.Contains(out, "Loss%") {
		t.Errorf("report: exit %d\n%s%s", code, out, errOut)
	}

	nobody := []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"}
	code, out, errOut = netdxIn(t, p.Src, nobody, "trace", "-n", t4)
	if code != exitOK || !strings.Contains(out, " 3  "+t4) {
		t.Errorf("udp as nobody: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = netdxIn(t, p.Src, nobody, "trace", "-n", "-P", "tcp", t4)
	if code != exitUnknown || !strings.Contains(errOut, "setcap cap_net_raw+ep") || !strings.Contains(errOut, "CAP_NET_RAW") ||
		strings.Contains(errOut, "ping_group_range") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("tcp as nobody: exit %d, stderr %q; want 3 naming CAP_NET_RAW and setcap, not ping_group_range (no help for tcp)", code, errOut)
	}
}
