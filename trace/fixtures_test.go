package trace

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"netdx/icmpmsg"
	"netdx/internal/fixture"
)

// capturedDir holds the ICMP messages netdx's probes drew from Linux
// routers in the lab (TestIntegrationCaptureFixtures writes them); they
// live with icmpmsg, which parses them, and trace matches them here.
const capturedDir = "../icmpmsg/testdata/captured"

// quoteMatcher builds the matcher netdx had when it sent the probe q
// quotes, from the quote itself, and the token the probe carries (what
// the match must find).
func quoteMatcher(q *icmpmsg.Quote, proto Protocol) (*matcher, uint16) {
	m := &matcher{proto: proto, target: q.Dst, src: q.Src}
	t := q.Transport
	switch proto {
	case UDP:
		sp, dp := q.Ports()
		m.flows = []flowID{{sport: sp, dport: dp}}
		if len(t) < 12 {
			return m, binary.BigEndian.Uint16(t[6:])
		}
		return m, binary.BigEndian.Uint16(t[10:])
	case ICMP:
		m.icmpID = int(binary.BigEndian.Uint16(t[4:]))
		m.flows = []flowID{{sum: binary.BigEndian.Uint16(t[2:])}}
		if len(t) >= 8+icmpmsg.TokenLen {
			m.token = icmpmsg.Token(t[8:])
		}
		return m, binary.BigEndian.Uint16(t[6:])
	default:
		sp, dp := q.Ports()
		seq := binary.BigEndian.Uint32(t[4:])
		m.cookie = uint16(seq >> 16)
		m.flows = []flowID{{sport: sp, dport: dp}}
		return m, uint16(seq)
	}
}

// TestFixtures decodes every captured ICMP message: the mark of each
// destination-unreachable code (IPv4 and IPv6, from real nftables rejects
// on a Linux router), Time Exceeded, Fragmentation Needed / Packet Too Big
// with the link's MTU, port unreachable from the target, and checks that
// each quote names the probe netdx sent, verified by its token when the
// probe is an echo request.
func TestFixtures(t *testing.T) {
	want := map[string]string{ // file: mark of its unreachables
		"v4-unreach-code0.txt": "!N", "v4-unreach-code1.txt": "!H", "v4-unreach-code2.txt": "!P",
		"v4-unreach-code3.txt": "!3", "v4-unreach-code5.txt": "!S", "v4-unreach-code6.txt": "!U",
		"v4-unreach-code7.txt": "!W", "v4-unreach-code8.txt": "!I", "v4-unreach-code9.txt": "!A",
		"v4-unreach-code10.txt": "!Z", "v4-unreach-code11.txt": "!Q", "v4-unreach-code12.txt": "!T",
		"v4-unreach-code13.txt": "!X", "v4-unreach-code14.txt": "!V", "v4-unreach-code15.txt": "!C",
		"v6-unreach-code0.txt": "!N", "v6-unreach-code1.txt": "!X", "v6-unreach-code2.txt": "!H",
		"v6-unreach-code3.txt": "!H", "v6-unreach-code4.txt": "!4", "v6-unreach-code5.txt": "!X",
		"v6-unreach-code6.txt": "!X", "v6-unreach-code7.txt": "!S",
		"v4-fragneeded.txt": "!F-1280", "v6-fragneeded.txt": "!F-1280",
		"v4-udp-reached.txt": "", "v6-udp-reached.txt": "",
		"v4-icmp-reached.txt": "", "v6-icmp-reached.txt": "",
		"v4-tcp-timeexceeded.txt": "", "v6-tcp-timeexceeded.txt": "",
	}
	files, _ := filepath.Glob(filepath.Join(capturedDir, "*.txt"))
	if len(files) != len(want) {
		t.Errorf("%d fixtures, want %d", len(files), len(want))
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			proto, err := ParseProtocol(strings.Split(name, "-")[1])
			if err != nil {
				proto = UDP // v4-unreach-code3.txt …
			}
			var unreach, te, echo int
			for _, pk := range fixture.ReadTcpdump(t, path) {
				src, b, v6 := fixture.ICMPOf(pk.IP)
				m, err := icmpmsg.ParseMessage(v6, b)
				if err != nil && !errors.Is(err, icmpmsg.ErrNotError) {
					t.Fatalf("%v\n%s", err, pk.Text)
				}
				if m.EchoReply() {
					echo++
					continue
				}
				if errors.Is(err, icmpmsg.ErrNotError) {
					continue // our own probes, on the way out
				}
				q, err := icmpmsg.ParseQuote(m.Quote)
				if err != nil {
					t.Fatalf("quote: %v\n%s", err, pk.Text)
				}
				mt, tok := quoteMatcher(&q, proto)
				c := mt.fromQuote(&q, func(x uint16, f int) bool { return x == tok })
				if !c.found || c.token != tok || c.flow != 0 || c.unverified {
					t.Errorf("quote names %+v, want token %#x flow 0, verified\n%s", c, tok, pk.Text)
				}
				switch {
				case m.TimeExceeded():
					te++
					if a := m.Mark(src == q.Dst); a != "" {
						t.Errorf("time exceeded marked %q", a)
					}
				case m.Unreachable():
					unreach++
					fromTarget := src == q.Dst
					w := want[name]
					if fromTarget && m.PortUnreachable() {
						w = "" // reached
					}
					if a := m.Mark(fromTarget); a != w {
						t.Errorf("mark %q, want %q\n%s", a, w, pk.Text)
					}
					if strings.Contains(name, "reached") && !(fromTarget && m.PortUnreachable()) {
						t.Errorf("want port unreachable from the target\n%s", pk.Text)
					}
				}
			}
			switch {
			case strings.Contains(name, "icmp-reached") && echo == 0:
				t.Errorf("no echo reply")
			case strings.Contains(name, "tcp") && te == 0:
				t.Errorf("no time exceeded quoting a tcp probe")
			case strings.Contains(name, "unreach") || strings.Contains(name, "frag") || strings.Contains(name, "udp-reached"):
				if unreach == 0 {
					t.Errorf("no destination unreachable")
				}
			}
		})
	}
}

// FuzzMatcher feeds ICMP messages (seeded with the captured ones) through
// trace's matching of quotes, echo replies, queued errors and TCP
// segments, with a matcher built from the message's own quote: nothing
// may panic, and an echo reply is only ever found with the token.
func FuzzMatcher(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(capturedDir, "*.txt"))
	for _, path := range files {
		for _, pk := range fixture.ReadTcpdump(f, path) {
			_, b, v6 := fixture.ICMPOf(pk.IP)
			f.Add(v6, b)
		}
	}
	f.Add(false, []byte{0, 0, 0, 0, 0x42, 0x42, 0, 1, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, v6 bool, b []byte) {
		m, err := icmpmsg.ParseMessage(v6, b)
		if err != nil && m.Quote == nil {
			return
		}
		if m.EchoReply() {
			mt := &matcher{proto: ICMP, target: netip.MustParseAddr("198.18.2.2"), icmpID: 0x4242, token: icmpmsg.Token{1, 2, 3, 4, 5, 6}}
			c := mt.fromEcho(&m, b, mt.target, func(uint16, int) bool { return true })
			if c.found && c.cause == icmpmsg.CauseNone && (len(b) < 8+icmpmsg.MinPayload || icmpmsg.Token(b[8:]) != mt.token || m.ID != 0x4242) {
				t.Fatalf("echo reply without the id and token taken: %x", b)
			}
			return
		}
		q, err := icmpmsg.ParseQuote(m.Quote)
		if err != nil {
			return
		}
		for _, proto := range Protocols() {
			mt, tok := quoteMatcher(&q, proto)
			mt.fromQuote(&q, func(x uint16, _ int) bool { return x == tok })
			mt.fromQueued(v6, b, func(uint16, int) bool { return true })
			mt.fromTCP(q.Src, q.Transport, func(uint16, int) bool { return true })
		}
	})
}
