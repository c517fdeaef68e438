package main

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"netdx/internal/netlab"
)

// linkLocal is the fe80:: address of interface ifc of node n.
func linkLocal(t *testing.T, n *netlab.Node, ifc string) netip.Addr {
	t.Helper()
	var addrs []struct {
		AddrInfo []struct {
			Local string `json:"local"`
		} `json:"addr_info"`
	}
	if err := json.Unmarshal([]byte(n.MustRun("ip", "-6", "-j", "addr", "show", "dev", ifc, "scope", "link")), &addrs); err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		for _, i := range a.AddrInfo {
			if ip, err := netip.ParseAddr(i.Local); err == nil && ip.IsLinkLocalUnicast() {
				return ip
			}
		}
	}
	t.Fatalf("no link-local address on %s of %s", ifc, n.Name())
	return netip.Addr{}
}

// TestIntegrationZones pings and traces zoned IPv6 targets from the lab's
// src, whose eth0 faces r1: r1's link-local address (fe80::…%eth0), and
// the target's global address with a zone (the zone must not get in the
// way of matching answers, which carry none). A zone that names no
// interface is one line on stderr naming it, exit 3, for both commands.
func TestIntegrationZones(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2})
	for _, r := range p.Routers {
		r.NoICMPRateLimit()
	}
	p.Dst.NoICMPRateLimit()
	ifc := p.Links[0].IfA
	ll := linkLocal(t, p.Routers[0], p.Links[0].IfB).WithZone(ifc)
	global := p.Target6().WithZone(ifc)

	for _, dst := range []netip.Addr{ll, global} {
		code, out, errOut := netdxIn(t, p.Src, nil, "ping", "--json", "-c", "3", "-i", "0.2", dst.String())
		if code != exitOK {
			t.Fatalf("ping %s: exit %d: %s", dst, code, errOut)
		}
		r := pingJSON(t, out).Targets[0]
		if r.Addr != dst.String() || r.Received != 3 || r.Invalid != 0 {
			t.Errorf("ping %s: %+v, want 3 received from %s", dst, r, dst)
		}
		for _, proto := range []string{"icmp", "udp"} {
			code, out, errOut = netdxIn(t, p.Src, nil, "trace", "--json", "-n", "-P", proto, "-w", "2", dst.String())
			var res struct {
				Reached bool `json:"reached"`
				Hops    []struct {
					Probes []struct {
						Addr string `json:"addr"`
					} `json:"probes"`
				} `json:"hops"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || code != exitOK || !res.Reached {
				t.Errorf("trace -P %s %s: exit %d, reached %v (%v): %s%s", proto, dst, code, res.Reached, err, out, errOut)
				continue
			}
			last := res.Hops[len(res.Hops)-1].Probes[0].Addr
			if want := dst.WithZone("").String(); last != want || (dst == ll) != (len(res.Hops) == 1) {
				t.Errorf("trace -P %s %s: %d hops, last from %s; want the path to %s", proto, dst, len(res.Hops), last, want)
			}
		}
	}
	for _, args := range [][]string{{"ping", "-c", "1", "-W", "1"}, {"trace", "-w", "1", "-m", "2"}} {
		cmd := args[0]
		code, out, errOut := netdxIn(t, p.Src, nil, append(args, "fe80::1%nosuch")...)
		if code != exitUnknown || out != "" || !strings.Contains(errOut, `"nosuch"`) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s fe80::1%%nosuch: exit %d, stdout %q, stderr %q; want 3 and one line naming the zone", cmd, code, out, errOut)
		}
	}
}
