package trace

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"netdx/icmpmsg"
	"netdx/internal/packettest"
)

// probeQuote builds the quote a router would send for probe token on
// flow 0 of a fakePath (real UDP/ICMP/TCP bytes), cut to n bytes of
// transport (0: all).
func probeQuote(t *testing.T, proto Protocol, token uint16, n int) (*fakePath, []byte) {
	t.Helper()
	p := newFakePath(proto, false, time.Millisecond, time.Millisecond)
	p.setFlows(withConfig(func(c *Config) { c.Flows, c.Port = 2, 33434 }))
	a := &attempt{slot: &slot{flow: 0}, token: token, ttl: 1, size: 32}
	pkt := p.packet(a)
	if n > 0 {
		pkt = pkt[:20+n]
	}
	return p, pkt
}

// natRewrite changes the quoted source address and the 16-bit word at
// off (a port or echo id) as a NAT does, fixing the transport checksum at
// csOff incrementally (RFC 1624) when fix is set.
func natRewrite(q []byte, src netip.Addr, off int, val uint16, csOff int, pseudo, fix bool) {
	old := append([]byte(nil), q...)
	copy(q[12:16], src.AsSlice())
	binary.BigEndian.PutUint16(q[20+off:], val)
	if !fix {
		return
	}
	cs := binary.BigEndian.Uint16(q[20+csOff:])
	sum := uint32(^cs)
	var words [][2]int
	if pseudo {
		words = append(words, [2]int{12, 14}, [2]int{14, 16})
	}
	words = append(words, [2]int{20 + off, 22 + off})
	for _, w := range words {
		sum += uint32(^binary.BigEndian.Uint16(old[w[0]:w[1]])) + uint32(binary.BigEndian.Uint16(q[w[0]:w[1]]))
	}
	binary.BigEndian.PutUint16(q[20+csOff:], ^icmpmsg.Fold(sum))
}

func TestMatchQuotes(t *testing.T) {
	const tok = 0x1234
	nat := netip.MustParseAddr("203.0.113.7")
	cases := []struct {
		name       string
		proto      Protocol
		n          int // transport bytes quoted, 0 all
		rewrite    func(q []byte)
		found      bool
		wantFlow   int
		unverified bool
	}{
		{"udp whole", UDP, 0, nil, true, 0, false},
		{"udp 8 bytes: the checksum is the token", UDP, 8, nil, true, 0, false},
		{"udp nat, checksum fixed", UDP, 8, func(q []byte) { natRewrite(q, nat, 0, 61000, 6, true, true) }, true, 0, false},
		{"udp nat, checksum left", UDP, 8, func(q []byte) { natRewrite(q, nat, 0, 61000, 6, true, false) }, true, -1, false},
		{"udp nat with payload", UDP, 0, func(q []byte) { natRewrite(q, nat, 0, 61000, 6, true, true) }, true, -1, false},
		{"udp other port", UDP, 8, func(q []byte) { binary.BigEndian.PutUint16(q[22:], 53) }, false, 0, false},
		{"udp other target", UDP, 8, func(q []byte) { copy(q[16:20], nat.AsSlice()) }, false, 0, false},
		{"icmp whole: the token verifies it", ICMP, 0, nil, true, 0, false},
		{"icmp whole, another run's token", ICMP, 0, func(q []byte) { q[28] ^= 1 }, false, 0, false},
		{"icmp whole, nat id: the token decides", ICMP, 0, func(q []byte) { natRewrite(q, nat, 4, 0x9999, 2, false, true) }, true, 0, false},
		{"icmp 8 bytes: a claim", ICMP, 8, nil, true, 0, true},
		{"icmp 13 bytes: a claim", ICMP, 13, nil, true, 0, true},
		{"icmp 14 bytes, another token", ICMP, 14, func(q []byte) { q[28] ^= 1 }, false, 0, false},
		{"icmp nat id, checksum fixed: a claim", ICMP, 8, func(q []byte) { natRewrite(q, nat, 4, 0x9999, 2, false, true) }, true, 0, true},
		{"icmp other id", ICMP, 8, func(q []byte) { binary.BigEndian.PutUint16(q[24:], 0x9999) }, false, 0, false},
		{"tcp 8 bytes", TCP, 8, nil, true, 0, false},
		{"tcp nat port", TCP, 8, func(q []byte) { natRewrite(q, nat, 0, 61000, 16, true, false) }, true, -1, false},
		{"tcp other cookie", TCP, 8, func(q []byte) { q[24] ^= 0xff }, false, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, q := probeQuote(t, c.proto, tok, c.n)
			if c.rewrite != nil {
				c.rewrite(q)
			}
			quote, err := icmpmsg.ParseQuote(q)
			if err != nil {
				t.Fatal(err)
			}
			got := p.m.fromQuote(&quote, func(x uint16, f int) bool { return x == tok && (f < 0 || f == 0) })
			if got.found != c.found || (got.found && (got.token != tok || got.flow != c.wantFlow || got.unverified != c.unverified)) {
				t.Errorf("%+v, want token %#x flow %d found %v unverified %v", got, tok, c.wantFlow, c.found, c.unverified)
			}
		})
	}
}

// TestPayloadChecksums checks the Paris encodings on real checksums: a
// UDP probe's checksum is its token, an ICMP probe's stays the flow's
// whatever the token.
func TestPayloadChecksums(t *testing.T) {
	src, dst := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.4.2")
	src6, dst6 := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8:4::2")
	// The checksum the kernel puts in the datagram.
	udpSum := func(src, dst netip.Addr, payload []byte) uint16 {
		return binary.BigEndian.Uint16(packettest.UDP(src, dst, 40000, 33434, payload)[6:])
	}
	for tok := uint16(1); tok < 0xffff; tok += 251 {
		if c := udpSum(src, dst, udpPayload(32, src, dst, 40000, 33434, tok)); c != tok {
			t.Fatalf("udp token %#x: checksum %#x", tok, c)
		}
		if c := udpSum(src6, dst6, udpPayload(100, src6, dst6, 40000, 33434, tok)); c != tok {
			t.Fatalf("udp6 token %#x: checksum %#x", tok, c)
		}
		pl := icmpmsg.Payload{Token: icmpmsg.Token{9, 8, 7, 6, 5, 4}, SentNS: int64(tok) * 7919}
		b := echoRequest(false, 32, src, dst, 0x4242, tok, 0xbeef, pl)
		if icmpmsg.Checksum(b) != 0 || binary.BigEndian.Uint16(b[2:]) != 0xbeef {
			t.Fatalf("icmp token %#x: checksum %#x does not check or is not the flow's", tok, binary.BigEndian.Uint16(b[2:]))
		}
		b6 := echoRequest(true, 32, src6, dst6, 0x4242, tok, 0xbeef, pl)
		s := pseudoSum(src6, dst6, protoICMPv6, len(b6))
		if c := ^icmpmsg.Fold(icmpmsg.Sum16(s, b6)); c != 0xbeef {
			t.Fatalf("icmp6 token %#x: kernel's checksum would be %#x", tok, c)
		}
	}
	syn := tcpSYN(src, dst, 40000, 443, 0xabcd1234)
	if ^icmpmsg.Fold(icmpmsg.Sum16(pseudoSum(src, dst, protoTCP, len(syn)), syn)) != 0 {
		t.Error("tcp syn checksum does not check")
	}
}
