package trace

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/icmp"

	"netdx/internal/packettest"
)

func ipHeaderLen(v6 bool) int {
	if v6 {
		return 40
	}
	return 20
}

// forge answers the ICMP probe pkt (as sent, IP header first) at once,
// the way an on-path host that sees it can: Time Exceeded and Destination
// Unreachable quoting the IP header and 8 bytes, from made-up senders; an
// echo reply from the target with a bad checksum (IPv4: the kernel checks
// ICMPv6's), one with the token altered, one with the payload intact from
// its own address; a fragment reassembly Time Exceeded (code 1) quoting
// the whole probe from the target.
func (p *fakePath) forge(pkt []byte) {
	hl := ipHeaderLen(p.v6)
	l4 := pkt[hl:]
	te, unreach := 11, 3
	if p.v6 {
		te, unreach = 3, 1
	}
	forger := netip.AddrFrom4([4]byte{198, 19, 0, 66})
	if p.v6 {
		forger = netip.MustParseAddr("2001:db8:66::66")
	}
	var out []reply
	short := append([]byte(nil), pkt[:hl+8]...)
	out = append(out, reply{src: forger, icmp: p.icmpError(te, te, 0, short, 1, nil)})
	out = append(out, reply{src: forger.Next(), icmp: p.icmpError(unreach, unreach, 1, append([]byte(nil), short...), 3, nil)})
	echo := func(alter func(e *icmp.Echo)) []byte {
		m := packettest.ReplyTo(l4)
		alter(m.Body.(*icmp.Echo))
		return packettest.ICMP(m, netip.Addr{}, netip.Addr{})
	}
	if !p.v6 {
		bad := echo(func(*icmp.Echo) {})
		bad[2], bad[3] = 0xde, 0xad
		out = append(out, reply{src: p.target, icmp: bad})
	}
	out = append(out, reply{src: p.target, icmp: echo(func(e *icmp.Echo) { e.Data[1] ^= 1 })})
	out = append(out, reply{src: forger, icmp: echo(func(*icmp.Echo) {})})
	out = append(out, reply{src: p.target, icmp: p.icmpError(te, te, 1, append([]byte(nil), pkt...), 1, nil)})
	for _, r := range out {
		r.v6, r.ttl = p.v6, 64
		time.AfterFunc(100*time.Microsecond, func() {
			r.at = time.Now()
			p.deliver(r)
		})
	}
}

// TestSchedForged traces with ICMP probes past an on-path forger that
// answers every probe first: the trace shows the real path, as fast as
// without it, and counts each forgery by what gave it away.
func TestSchedForged(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		clean := newFakePath(ICMP, v6, fourHops...)
		want, _ := runFake(t, clean, withConfig(func(c *Config) { c.Protocol, c.Port = ICMP, ICMP.DefaultPort() }))
		p := newFakePath(ICMP, v6, fourHops...)
		p.forger = true
		res, took := runFake(t, p, withConfig(func(c *Config) { c.Protocol, c.Port = ICMP, ICMP.DefaultPort() }))
		if summary(res) != summary(want) || !res.Reached {
			t.Errorf("v6=%v: hops\n got %s\nwant %s", v6, summary(res), summary(want))
		}
		if took > 2*fourHops[3]+50*time.Millisecond {
			t.Errorf("v6=%v: took %v, want about one RTT", v6, took)
		}
		// Every probe drew two unverified errors: the second is a
		// repeat. The first is shown false by the target's reply (the 3
		// probes to it, and those past it that reached it before the end
		// was known), made the repeat by a router's verified error (the
		// 9 probes to hops 1-3), or dropped with the probes past the end.
		n := res.Sent
		got := res.InvalidByCause
		if c, r := got["contradicted_error"], got["repeated_error"]; c < 3 || r < n+9 || c+r > 2*n {
			t.Errorf("v6=%v: %d contradicted and %d repeated errors, want 3.. and %d..", v6, c, r, n+9)
		}
		delete(got, "contradicted_error")
		delete(got, "repeated_error")
		wantCounts := map[string]int{"wrong_token": n,
			"wrong_source": n, "not_hop_answer": n, "bad_checksum": n}
		if v6 {
			delete(wantCounts, "bad_checksum")
		}
		if len(got) != len(wantCounts) {
			t.Errorf("v6=%v: rejected %v, want %v", v6, got, wantCounts)
		}
		for c, k := range wantCounts {
			if got[c] != k {
				t.Errorf("v6=%v: rejected %v, want %v (%d probes)", v6, got, wantCounts, n)
				break
			}
		}
	}
}

// TestSchedShortQuote: a router that quotes only 8 bytes (RFC 792) still
// shows, once its probes' waits end without a verified answer, and its
// answers and hop are marked unverified in the JSON (any host on the way
// could have sent them); a router's unreachable quoting 8 bytes too.
func TestSchedShortQuote(t *testing.T) {
	p := newFakePath(ICMP, false, fourHops...)
	p.hops[1].short = true
	res, _ := runFake(t, p, withConfig(func(c *Config) { c.Protocol, c.Port = ICMP, ICMP.DefaultPort() }))
	if got := summary(res); !strings.Contains(got, "2:198.18.2.2,198.18.2.2,198.18.2.2 ") || !res.Reached {
		t.Errorf("hops %s, want hop 2 shown from its short quotes", got)
	}
	if res.Invalid != 0 {
		t.Errorf("rejected %v, want nothing", res.InvalidByCause)
	}
	for _, h := range res.Hops {
		for _, pr := range h.Probes {
			if pr.Unverified != (h.TTL == 2) || h.Unverified != (h.TTL == 2) {
				t.Errorf("hop %d (unverified %v): probe %+v", h.TTL, h.Unverified, pr)
			}
		}
	}
	b, err := json.Marshal(res.Hops[1])
	if err != nil || !strings.Contains(string(b), `"unverified":true}`) || strings.Count(string(b), `"unverified":true`) != 4 {
		t.Errorf("hop 2's JSON: %s %v", b, err)
	}
	var back Hop
	if err := json.Unmarshal(b, &back); err != nil || !back.Unverified || !back.Probes[0].Unverified {
		t.Errorf("hop 2 read back: %+v %v", back, err)
	}

	p = newFakePath(ICMP, false, fourHops...)
	p.hops[1].short, p.hops[1].reject = true, 1
	res, _ = runFake(t, p, withConfig(func(c *Config) { c.Protocol, c.Port = ICMP, ICMP.DefaultPort() }))
	last := res.Hops[len(res.Hops)-1]
	if res.EndReason != EndUnreachable || last.TTL != 3 || !last.Unverified || last.Probes[0].Annotation != "!H" {
		t.Errorf("an 8-byte !H: %s, end %s, last hop %+v", summary(res), res.EndReason, last)
	}
}
