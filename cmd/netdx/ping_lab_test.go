package main

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"netdx/diagnose"
	"netdx/internal/netlab"
)

// TestIntegrationPingUnprivileged runs netdx as nobody: with the
// namespace's ping_group_range admitting it, on datagram sockets; without,
// exit 3 naming both fixes; a fast interval is refused.
func TestIntegrationPingUnprivileged(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	nobody := []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"}
	p.Src.Sysctl("net.ipv4.ping_group_range", "1 0")
	code, out, errOut := netdxIn(t, p.Src, nobody, "ping", "-c", "1", p.Target4().String())
	if code != exitUnknown || out != "" || !strings.Contains(errOut, "setcap cap_net_raw+ep") || !strings.Contains(errOut, "ping_group_range") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("without permission: exit %d, stdout %q, stderr %q; want 3 and one line naming both fixes", code, out, errOut)
	}
	p.Src.Sysctl("net.ipv4.ping_group_range", "0 2147483647")
	for _, dst := range []netip.Addr{p.Target4(), p.Target6()} {
		code, out, errOut = netdxIn(t, p.Src, nobody, "ping", "--json", "-c", "3", "-i", "0.2", dst.String())
		if code != 0 {
			t.Fatalf("as nobody to %s: exit %d: %s", dst, code, errOut)
		}
		r := pingJSON(t, out).Targets[0]
		if r.Socket != "datagram" || r.Received != 3 || r.Invalid != 0 || r.Timestamps != "kernel" {
			t.Errorf("as nobody to %s: %+v, want 3 received on a datagram socket with kernel timestamps", dst, r)
		}
	}
	code, _, errOut = netdxIn(t, p.Src, nobody, "ping", "-c", "3", "-i", "0.001", p.Target4().String())
	if code != exitUnknown || !strings.Contains(errOut, "2ms") {
		t.Errorf("-i 0.001 as nobody: exit %d, stderr %q; want 3 and the interval rule (iputils: 2 ms for users)", code, errOut)
	}
	// The echo streams of watch and diagnose meet the same rule once
	// their socket is open; the line names their flag.
	for _, args := range [][]string{{"watch", "--no-host", "--echo-interval", "1ms"}, {"diagnose", "--echo-interval", "1ms"}} {
		code, _, errOut = netdxIn(t, p.Src, nobody, append(args, p.Target4().String())...)
		if code != exitUnknown || !strings.Contains(errOut, "--echo-interval 1ms") || !strings.Contains(errOut, "2ms") {
			t.Errorf("%s as nobody: exit %d, stderr %q; want 3 naming --echo-interval and the 2 ms rule", strings.Join(args, " "), code, errOut)
		}
	}
	code, _, errOut = netdxIn(t, p.Src, nobody, "ping", "--privileged", "-c", "1", p.Target4().String())
	if code != exitUnknown || !strings.Contains(errOut, "CAP_NET_RAW") {
		t.Errorf("--privileged as nobody: exit %d, stderr %q", code, errOut)
	}
}

// TestIntegrationPingNagiosAndErrors checks check_ping mode against a
// path of known RTT, and an unreachable target.
func TestIntegrationPingNagiosAndErrors(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1, Delays: []time.Duration{0, 15 * time.Millisecond}})
	p.Routers[0].NoICMPRateLimit()
	dst := p.Target4().String()
	iputilsAvg(t, p.Src, "-n", "-c", "1", "-W", "2", dst)
	// The path's RTT is at least 30 ms (twice the wire's delay) and, even
	// with the slow wire's hiccups on a loaded machine, far below 1000 ms:
	// each threshold pair below has one possible outcome.
	perf := regexp.MustCompile(`^PING (OK|WARNING|CRITICAL) - Packet loss = 0%, RTA = (\d+\.\d\d) ms\|rta=(\d+\.\d{3})000ms;(\d+\.000000);(\d+\.000000);0\.000000 pl=0%;20;60;0;\n$`)
	for _, tc := range []struct {
		warn, crit string
		code       int
	}{{"1000,20%", "2000,60%", exitOK}, {"10,20%", "2000,60%", exitWarning}, {"5,20%", "10,60%", exitCritical}} {
		code, out, _ := netdxIn(t, p.Src, nil, "ping", "-w", tc.warn, "-c", tc.crit, "-p", "3", "-i", "0.2", dst)
		m := perf.FindStringSubmatch(out)
		if code != tc.code || m == nil || m[1] != strings.ToUpper(diagnose.Status(tc.code).String()) {
			t.Errorf("-w %s -c %s: exit %d, output %q; want %d", tc.warn, tc.crit, code, out, tc.code)
			continue
		}
		if rta, _ := strconv.ParseFloat(m[3], 64); rta < 30 || fmt.Sprintf("%.2f", rta) != m[2] {
			t.Errorf("RTA %s in the line, %s in the perfdata: want the same, at least 30 ms", m[2], m[3])
		}
	}
	p.Routers[0].Reject(netlab.Forward, netip.PrefixFrom(p.Target4(), 32), netlab.HostUnreachable)
	code, out, _ := netdxIn(t, p.Src, nil, "ping", "-c", "2", "-i", "0.2", dst)
	if code != exitCritical || !strings.Contains(out, "From "+p.Hop4(1).String()+" icmp_seq=1 Destination Host Unreachable\n") ||
		!strings.Contains(out, "2 packets transmitted, 0 received, +2 errors, 100% packet loss") {
		t.Errorf("unreachable: exit %d, output:\n%s", code, out)
	}
	code, out, _ = netdxIn(t, p.Src, nil, "ping", "-w", "100,20%", "-c", "500,60%", "-p", "2", "-i", "0.2", dst)
	if code != exitCritical || out != "PING CRITICAL - Packet loss = 100%| rta=U;100.000000;500.000000;; pl=100%;20;60;0;\n" {
		t.Errorf("unreachable in threshold mode: exit %d, %q", code, out)
	}
}

// TestIntegrationPingInterrupt sends SIGINT to a running netdx once two
// replies are out: it must print the statistics so far (text, or the JSON
// document marked interrupted) and exit by its own rules.
func TestIntegrationPingInterrupt(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{})
	for _, json := range []bool{false, true} {
		args := []string{"ping", "-i", "0.2", p.Target4().String()}
		if json {
			args = append(args, "--json")
		}
		replies := icmpIn(t, p.Src, "InEchoReps")
		cmd := p.Src.Command(context.Background(), netdxBinary(t), args...)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Src.Start(cmd); err != nil {
			t.Fatal(err)
		}
		// The text run shows its replies; the JSON one is silent until
		// the end: it runs until a few replies reached the host.
		var out strings.Builder
		sc := bufio.NewScanner(stdout)
		if json {
			waitICMP(t, p.Src, "InEchoReps", replies+3)
		} else {
			for replies := 0; replies < 2 && sc.Scan(); {
				out.WriteString(sc.Text() + "\n")
				if strings.Contains(sc.Text(), " bytes from ") {
					replies++
				}
			}
		}
		// ip netns exec runs netdx in its own process: signal the group.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("exit after Ctrl-C: %v\n%s", err, out.String())
		}
		if json {
			d := pingJSON(t, out.String())
			if !d.Interrupted || d.Status != diagnose.StatusOK || d.Targets[0].Received == 0 {
				t.Errorf("JSON after Ctrl-C: %+v", d)
			}
			continue
		}
		// A request still out when the signal came counts as lost.
		m := regexp.MustCompile(`\n(\d+) packets transmitted, (\d+) received, `).FindStringSubmatch(out.String())
		if m == nil {
			t.Errorf("no statistics after Ctrl-C:\n%s", out.String())
			continue
		}
		if sent, rcvd := atoi(m[1]), atoi(m[2]); rcvd < 2 || sent-rcvd > 1 {
			t.Errorf("after Ctrl-C: %d sent, %d received; want at least the 2 replies shown:\n%s", sent, rcvd, out.String())
		}
	}
}

// TestIntegrationPingOptions checks name resolution failures, -t, -I and
// -M do against a path with a small MTU.
func TestIntegrationPingOptions(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].NoICMPRateLimit()
	dst := p.Target4().String()

	// A name that does not resolve is an error for that target only; the
	// lab's resolver (127.0.0.1, nothing listening) keeps the lookup in.
	code, out, errOut := netdxIn(t, p.Src, nil, "ping", "--json", "-c", "1", "nosuch.invalid", dst)
	d := pingJSON(t, out)
	if code != exitUnknown || len(d.Targets) != 2 || d.Targets[0].Error == "" || d.Targets[1].Received != 1 || d.Status != diagnose.StatusUnknown {
		t.Errorf("unresolvable name: exit %d, %+v, stderr %q", code, d, errOut)
	}
	if !strings.Contains(errOut, "nosuch.invalid") {
		t.Errorf("stderr does not name the target: %q", errOut)
	}

	code, out, _ = netdxIn(t, p.Src, nil, "ping", "-t", "1", "-c", "1", dst)
	if code != exitCritical || !strings.Contains(out, "From "+p.Hop4(1).String()+" icmp_seq=1 Time to live exceeded\n") {
		t.Errorf("-t 1: exit %d:\n%s", code, out)
	}
	code, out, _ = netdxIn(t, p.Src, nil, "ping", "-6", "-t", "1", "-c", "1", p.Target6().String())
	if code != exitCritical || !strings.Contains(out, "From "+p.Hop6(1).String()+" icmp_seq=1 Time exceeded: Hop limit\n") {
		t.Errorf("-6 -t 1: exit %d:\n%s", code, out)
	}

	for _, src := range []string{p.Links[0].IfA, p.Src.Addr4().String()} {
		code, out, errOut = netdxIn(t, p.Src, nil, "ping", "--json", "-I", src, "-c", "2", "-i", "0.2", dst)
		if code != 0 || pingJSON(t, out).Targets[0].Received != 2 {
			t.Errorf("-I %s: exit %d, %s %s", src, code, out, errOut)
		}
	}
	code, _, errOut = netdxIn(t, p.Src, nil, "ping", "-I", "198.18.77.1", "-c", "1", dst)
	if code != exitUnknown || !strings.Contains(errOut, "198.18.77.1") {
		t.Errorf("-I with an address not on the host: exit %d, %q", code, errOut)
	}

	// A link-local target with its zone: the reply carries none.
	ll := regexp.MustCompile(`inet6 (fe80::[0-9a-f:]+)/64`).FindStringSubmatch(
		p.Routers[0].MustRun("ip", "-6", "-o", "addr", "show", "dev", p.Links[0].IfB, "scope", "link"))
	if ll == nil {
		t.Fatal("router has no link-local address")
	}
	code, out, errOut = netdxIn(t, p.Src, nil, "ping", "--json", "-c", "2", "-i", "0.2", ll[1]+"%"+p.Links[0].IfA)
	if r := pingJSON(t, out).Targets[0]; code != 0 || r.Received != 2 || r.Invalid != 0 {
		t.Errorf("link-local %s%%%s: exit %d, %+v %s", ll[1], p.Links[0].IfA, code, r, errOut)
	}

	// -M do with a payload above the path MTU: the kernel refuses to
	// send, netdx says so for each probe and counts them as lost.
	code, out, errOut = netdxIn(t, p.Src, nil, "ping", "--json", "-M", "do", "-s", "2000", "-c", "2", "-i", "0.2", dst)
	r := pingJSON(t, out).Targets[0]
	if code != exitCritical || r.SendErrors != 2 || r.Received != 0 || !strings.Contains(errOut, "message too long") {
		t.Errorf("-M do -s 2000: exit %d, %+v, stderr %q", code, r, errOut)
	}
	code, out, _ = netdxIn(t, p.Src, nil, "ping", "--json", "-M", "dont", "-s", "2000", "-c", "2", "-i", "0.2", dst)
	if r := pingJSON(t, out).Targets[0]; code != 0 || r.Received != 2 {
		t.Errorf("-M dont -s 2000 (fragmented): exit %d, %+v", code, r)
	}
	// Replies larger than the smallest read buffer: the buffer follows -s.
	code, out, _ = netdxIn(t, p.Src, nil, "ping", "--json", "-s", "9000", "-c", "2", "-i", "0.2", dst)
	if r := pingJSON(t, out).Targets[0]; code != 0 || r.Received != 2 || r.Invalid != 0 {
		t.Errorf("-s 9000 (fragmented): exit %d, %+v", code, r)
	}
}

// TestIntegrationPingDuplicates has the router duplicate every echo
// request (nftables dup): each probe is answered twice; netdx counts one
// reply and one duplicate per probe, on raw and datagram sockets, and
// check_ping mode warns.
func TestIntegrationPingDuplicates(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	// netlab's faults live in an inet table, where dup is not supported.
	cmd := p.Routers[0].Command(context.Background(), "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(fmt.Sprintf("table ip pingdup {\n chain dupchain {\n  type filter hook forward priority 0; policy accept;\n"+
		"  ip daddr %s icmp type echo-request dup to %s device %s\n }\n}\n", p.Target4(), p.Target4(), p.Links[1].IfA))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
	p.Src.Sysctl("net.ipv4.ping_group_range", "0 0")
	dst := p.Target4().String()
	for _, mode := range []string{"--privileged", "--unprivileged"} {
		code, out, errOut := netdxIn(t, p.Src, nil, "ping", mode, "--json", "-c", "4", "-i", "0.2", dst)
		r := pingJSON(t, out).Targets[0]
		if code != 0 || r.Sent != 4 || r.Received != 4 || r.Duplicates != 4 || r.Invalid != 0 || r.LossPct != 0 {
			t.Errorf("%s: exit %d, %+v %s; want 4 received and 4 duplicates", mode, code, r, errOut)
		}
	}
	code, out, _ := netdxIn(t, p.Src, nil, "ping", "-w", "100,20%", "-c", "500,60%", "-p", "2", "-i", "0.2", dst)
	if code != exitWarning || !strings.HasPrefix(out, "PING WARNING - DUPLICATES FOUND! Packet loss = 0%, RTA = ") {
		t.Errorf("threshold mode with duplicates: exit %d, %q", code, out)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
