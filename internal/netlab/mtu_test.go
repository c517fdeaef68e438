package netlab

import (
	"context"
	"errors"
	"net/netip"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestIntegrationMTUBlackHole checks a 1400-byte link between r1 and r2,
// first with r1 SilentTooBig (a black hole), then with it saying so (a
// clean smaller-MTU path), in both families: DF packets of 1500 bytes die
// without a word in the black hole and draw "fragmentation needed" /
// "packet too big" (mtu 1400) otherwise; 1400-byte ones pass both; a 2 MB
// upload stalls in the black hole and completes on the clean path, told
// of the MTU. The black hole comes first: once told, the sender keeps the
// path MTU.
func TestIntegrationMTUBlackHole(t *testing.T) {
	l := New(t)
	p := l.Chain(PathConfig{Routers: 2, MTUs: []int{0, 1400}, NoICMPRateLimit: true})
	r1 := p.Routers[0]
	p.Dst.ServeTCP(9000)
	toldMTU := regexp.MustCompile(`(?i)(frag needed|too big|too long).*mtu ?[=:] ?1400`)
	targets := []netip.Addr{p.Target4(), p.Target6()}
	tooBig := map[bool]*Counter{
		false: r1.Count(Output, "icmp type destination-unreachable icmp code frag-needed"),
		true:  r1.Count(Output, "icmpv6 type packet-too-big"),
	}

	r1.SilentTooBig()
	for _, target := range targets {
		big, out := pingOut(t, p.Src, target, 1500, 2, 1)
		if big != 100 || toldMTU.MatchString(out) {
			t.Errorf("black hole, %s: 1500-byte DF packets: %.0f%% loss, want 100%% and no word of the MTU:\n%s", target, big, out)
		}
		if small, out := pingOut(t, p.Src, target, 1400, 3, 5); small != 0 {
			t.Errorf("black hole, %s: 1400-byte DF packets: %.0f%% loss, want none:\n%s", target, small, out)
		}
		if n := tooBig[target.Is6()].Packets(); n == 0 {
			t.Errorf("black hole, %s: r1 made no frag-needed / packet-too-big to drop", target)
		}
		dst := netip.AddrPortFrom(target, 9000)
		if err := p.Src.OpenAndClose(dst, 1); err != nil {
			t.Fatalf("black hole, %s: a TCP handshake (small packets) must pass: %v", target, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := p.Src.Upload(ctx, dst, 2<<20)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("black hole, %s: 2 MB upload: %v, want it to stall", target, err)
		}
	}

	r1.ClearFaults()
	for _, target := range targets {
		told := "IcmpInDestUnreachs"
		if target.Is6() {
			told = "Icmp6InPktTooBigs"
		}
		before := snmp(t, p.Src)[told]
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := p.Src.Upload(ctx, netip.AddrPortFrom(target, 9000), 2<<20); err != nil {
			t.Errorf("clean, %s: 2 MB upload: %v", target, err)
		}
		cancel()
		if snmp(t, p.Src)[told] == before {
			t.Errorf("clean, %s: the upload drew no %s from r1", target, told)
		}
		if big, out := pingOut(t, p.Src, target, 1500, 2, 1); big != 100 || !toldMTU.MatchString(out) {
			t.Errorf("clean, %s: 1500-byte DF packets: %.0f%% loss, want 100%% and mtu 1400 told:\n%s", target, big, out)
		}
		if small, out := pingOut(t, p.Src, target, 1400, 3, 5); small != 0 {
			t.Errorf("clean, %s: 1400-byte DF packets: %.0f%% loss, want none:\n%s", target, small, out)
		}
	}
}

// pingOut sends count echo requests from n to target in IP packets of size
// bytes with DF set, waits up to wait seconds for the last reply, and
// returns the loss and what ping printed.
func pingOut(t *testing.T, n *Node, target netip.Addr, size, count, wait int) (lossPct float64, out string) {
	t.Helper()
	header := 28
	if target.Is6() {
		header = 48
	}
	out, _ = n.Run(context.Background(), "ping", "-n", "-M", "do", "-s", strconv.Itoa(size-header),
		"-c", strconv.Itoa(count), "-i", "0.1", "-W", strconv.Itoa(wait), target.String())
	m := regexp.MustCompile(`([\d.]+)% packet loss`).FindStringSubmatch(out)
	if m == nil {
		return 100, out // a local error before any probe left
	}
	lossPct, _ = strconv.ParseFloat(m[1], 64)
	return lossPct, out
}
