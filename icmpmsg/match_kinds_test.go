package icmpmsg

import (
	"net/netip"
	"testing"
)

// TestMatchErrorKinds covers every ICMP error kind Match accepts, as x/net
// parses them: the quoted probe is found whatever the body's layout.
func TestMatchErrorKinds(t *testing.T) {
	const sent = int64(1700000000123456789)
	src4, dst4 := netip.MustParseAddr("198.18.1.1"), netip.MustParseAddr("198.18.2.2")
	src6, dst6 := netip.MustParseAddr("2001:db8:1::1"), netip.MustParseAddr("2001:db8:2::2")
	req4, req6 := request(false, 5, 2, sent), request(true, 5, 2, sent)
	quote4 := append(ipv4Header(src4, dst4, 1, len(req4)), req4...)
	quote6 := append(ipv6Header(src6, dst6, 58, len(req6)), req6...)
	msg := func(typ, code byte, word [4]byte, quote []byte) []byte {
		return append([]byte{typ, code, 0, 0, word[0], word[1], word[2], word[3]}, quote...)
	}
	// RFC 4884: time exceeded with a length field (32-bit words of the
	// quote padded to 128 bytes) and an extension structure after it.
	padded := append(append([]byte(nil), quote4...), make([]byte, 128-len(quote4))...)
	ext := []byte{0x20, 0, 0, 0, 0, 8, 1, 1, 0, 0, 0x11, 0x01}
	rfc4884 := msg(11, 0, [4]byte{0, 32, 0, 0}, append(padded, ext...))

	cases := []struct {
		name      string
		v6        bool
		data      []byte
		typ, code int
		dst       netip.Addr
	}{
		{"v4 destination unreachable", false, msg(3, 3, [4]byte{}, quote4), 3, 3, dst4},
		{"v4 source quench", false, msg(4, 0, [4]byte{}, quote4), 4, 0, dst4},
		{"v4 time exceeded, RFC 4884 extensions", false, rfc4884, 11, 0, dst4},
		{"v4 parameter problem", false, msg(12, 0, [4]byte{20}, quote4), 12, 0, dst4},
		{"v6 destination unreachable", true, msg(1, 4, [4]byte{}, quote6), 1, 4, dst6},
		{"v6 packet too big", true, msg(2, 0, [4]byte{0, 0, 5, 0}, quote6), 2, 0, dst6},
		{"v6 time exceeded", true, msg(3, 0, [4]byte{}, quote6), 3, 0, dst6},
		{"v6 parameter problem", true, msg(4, 1, [4]byte{0, 0, 0, 6}, quote6), 4, 1, dst6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := Expect{V6: tc.v6, ID: 0x4242, Token: testToken, Size: testSize}
			v := Match(e, tc.data)
			if v.Kind != Error || v.Index != 2 || v.Dst != tc.dst || v.Unverified || v.Seq != 5 || v.SentNS != sent || v.ErrType != tc.typ || v.ErrCode != tc.code {
				t.Errorf("Match = %+v, want error type %d code %d for target 2 seq 5", v, tc.typ, tc.code)
			}
		})
	}
	// Not errors: a redirect and a v6 error quoting UDP are not ours.
	if v := Match(Expect{ID: 0x4242, Token: testToken}, msg(5, 1, [4]byte{198, 18, 1, 254}, quote4)); v.Kind != Foreign || v.Reason != "ICMP redirect (type 5)" {
		t.Errorf("redirect: %+v", v)
	}
	udp6 := append(ipv6Header(src6, dst6, 17, 8), make([]byte, 8)...)
	if v := Match(Expect{V6: true, ID: 0x4242, Token: testToken}, msg(3, 0, [4]byte{}, udp6)); v.Kind != Foreign {
		t.Errorf("v6 error quoting UDP: %+v", v)
	}
}

func TestName(t *testing.T) {
	for _, tc := range []struct {
		v6        bool
		typ, code int
		want      string
	}{
		{false, 11, 0, "Time to live exceeded"},
		{false, 11, 1, "Frag reassembly time exceeded"},
		{false, 3, 4, "Frag needed and DF set"},
		{false, 3, 99, "Dest Unreachable, Bad Code: 99"},
		{true, 1, 3, "Destination unreachable: Address unreachable"},
		{true, 3, 1, "Time exceeded: Fragment reassembly time exceeded"},
		{false, 5, 1, "ICMP redirect (type 5) code 1"},
		{true, 137, 0, "ICMPv6 redirect message (type 137) code 0"},
		{false, 99, 2, "ICMP type 99 code 2"},
	} {
		if got := Name(tc.v6, tc.typ, tc.code); got != tc.want {
			t.Errorf("Name(%v, %d, %d) = %q, want %q", tc.v6, tc.typ, tc.code, got, tc.want)
		}
	}
}
