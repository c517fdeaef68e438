package icmpmsg

import (
	"errors"
	"net"
	"net/netip"
	"testing"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// TestExtensionsFromXNet decodes Time Exceeded messages with RFC 4950 and
// RFC 5837 objects marshalled by golang.org/x/net/icmp, an independent
// implementation of RFC 4884, around a captured quote.
func TestExtensionsFromXNet(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		var typ icmp.Type = ipv4.ICMPTypeTimeExceeded

		addr := net.ParseIP("198.18.9.1").To4()
		if v6 {
			typ, addr = ipv6.ICMPTypeTimeExceeded, net.ParseIP("2001:db8:9::1")
		}
		m := icmp.Message{Type: typ, Body: &icmp.TimeExceeded{
			Data: quoteBytes(t, v6),
			Extensions: []icmp.Extension{
				&icmp.MPLSLabelStack{Class: 1, Type: 1, Labels: []icmp.MPLSLabel{
					{Label: 24001, TC: 5, S: false, TTL: 1}, {Label: 16, TC: 0, S: true, TTL: 255}}},
				&icmp.InterfaceInfo{Class: 2, Type: 0x0f, // incoming; ifIndex, address, name, MTU
					Interface: &net.Interface{Index: 7, Name: "ge-0/0/1", MTU: 9000},
					Addr:      &net.IPAddr{IP: addr}},
			},
		}}
		b, err := m.Marshal(nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseMessage(v6, b)
		if err != nil {
			t.Fatalf("v6=%v: %v", v6, err)
		}
		if _, err := ParseQuote(got.Quote); err != nil {
			t.Errorf("v6=%v: quote before the extensions: %v", v6, err)
		}
		e := got.Extensions
		if e == nil || len(e.MPLS) != 2 || len(e.Interfaces) != 1 {
			t.Fatalf("v6=%v: extensions %+v", v6, e)
		}
		if l := e.MPLS[0]; l != (MPLSLabel{Label: 24001, TC: 5, S: false, TTL: 1}) {
			t.Errorf("label 0 = %+v", l)
		}
		if l := e.MPLS[1]; l != (MPLSLabel{Label: 16, TC: 0, S: true, TTL: 255}) {
			t.Errorf("label 1 = %+v", l)
		}
		ii := e.Interfaces[0]
		want, _ := netip.AddrFromSlice(addr)
		if ii.Role != "incoming" || ii.Index != 7 || ii.Name != "ge-0/0/1" || ii.MTU != 9000 || ii.Addr != want.Unmap() {
			t.Errorf("v6=%v: interface %+v", v6, ii)
		}
		if !e.checksumOK {
			t.Errorf("v6=%v: checksum of x/net's extension structure does not check", v6)
		}

	}
}

// TestExtensionsRFC4884Compat reads extensions from a router that puts
// them after a 128-byte quote but leaves the length field zero (RFC 4884
// section 5.5), and ignores trailing bytes that are not an extension.
func TestExtensionsRFC4884Compat(t *testing.T) {
	q := quoteBytes(t, false)
	q = append(q, make([]byte, 128)...)[:128]
	msg := append([]byte{11, 0, 0, 0, 0, 0, 0, 0}, q...)
	msg = append(msg, mplsExtension([]uint32{300})...)
	m, err := ParseMessage(false, msg)
	if err != nil {
		t.Fatal(err)
	}
	if m.Extensions == nil || len(m.Extensions.MPLS) != 1 || m.Extensions.MPLS[0].Label != 300 || len(m.Quote) != 128 {
		t.Errorf("extensions %+v, quote %d bytes", m.Extensions, len(m.Quote))
	}
	// Plain payload past 128 bytes (no version 2 header) stays quote.
	long := append([]byte{11, 0, 0, 0, 0, 0, 0, 0}, append(q, make([]byte, 64)...)...)
	if m, err := ParseMessage(false, long); err != nil || m.Extensions != nil || len(m.Quote) != 192 {
		t.Errorf("long quote: ext %+v quote %d err %v", m.Extensions, len(m.Quote), err)
	}
}

func TestExtensionErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"short":          {0x20, 0},
		"version":        {0x10, 0, 0, 0},
		"object length":  {0x20, 0, 0, 0, 0, 2, 1, 1},
		"object overrun": {0x20, 0, 0, 0, 0, 12, 1, 1, 0, 0, 0, 0},
		"mpls odd":       {0x20, 0, 0, 0, 0, 6, 1, 1, 0, 0},
		"if name":        {0x20, 0, 0, 0, 0, 8, 2, 0x02, 9, 'a', 'b', 'c'},
		"if afi":         {0x20, 0, 0, 0, 0, 12, 2, 0x04, 0, 9, 0, 0, 1, 2, 3, 4},
	} {
		_, err := ParseExtensions(b)
		if !errors.Is(err, ErrBadExtension) && !errors.Is(err, ErrTruncated) {
			t.Errorf("%s: err %v, want ErrBadExtension or ErrTruncated", name, err)
		}
	}
}

// TestUnalignedNames: an RFC 5837 name whose length octet is not a
// multiple of 4 is read as Wireshark and scapy read it, x/net (which
// refuses it) decoding the rest of the object, and counted as an oddity.
func TestUnalignedNames(t *testing.T) {
	name := func(n byte, s string, pad int) []byte { return append(append([]byte{n}, s...), make([]byte, pad)...) }
	mtu := []byte{0, 0, 0x05, 0xdc}
	for _, tc := range []struct {
		what  string
		ctype byte
		sub   []byte
		name  string
		mtu   int
		odd   int
	}{
		// The length counts the name alone; the padding is there.
		{"63 for 64 bytes", 0x02, name(63, "This-is-the-name-of-the-Interface-that-we-are-looking-for-[:-)]", 0), "This-is-the-name-of-the-Interface-that-we-are-looking-for-[:-)]", 0, 1},
		{"7 for 8 bytes, then the mtu", 0x03, append(name(7, "eth0", 3), mtu...), "eth0", 1500, 1},
		// The length counts the octet and the name; no padding.
		{"5 for 5 bytes, then the mtu", 0x03, append(name(5, "eth0", 0), mtu...), "eth0", 1500, 1},
		{"6 for 6 bytes", 0x02, name(6, "ge-0/", 0), "ge-0/", 0, 1},
		{"aligned", 0x03, append(name(8, "eth0", 3), mtu...), "eth0", 1500, 0},
	} {
		b := extensionStructure(true, interfaceObject(tc.ctype, tc.sub...))
		e, err := ParseExtensions(b)
		if err != nil || len(e.Interfaces) != 1 {
			t.Errorf("%s: %+v %v", tc.what, e, err)
			continue
		}
		odd := e.Oddities()
		if ii := e.Interfaces[0]; ii.Name != tc.name || ii.MTU != tc.mtu || odd[UnalignedName] != tc.odd {
			t.Errorf("%s: %+v, oddities %v; want %q, mtu %d, %d unaligned", tc.what, ii, odd.Map(), tc.name, tc.mtu, tc.odd)
		}
	}
	// A length past the object is still refused.
	if _, err := ParseExtensions(extensionStructure(true, interfaceObject(0x02, name(9, "eth", 0)...))); !errors.Is(err, ErrBadExtension) {
		t.Errorf("a name length past the object: %v", err)
	}
}

// FuzzParseMessage feeds ICMP messages (seeded with the captured ones) to
// every parser of bytes from the network and to Match, for a raw and a
// datagram socket: nothing may panic, and what Match accepts as a reply
// must carry the token.
func FuzzParseMessage(f *testing.F) {
	for _, c := range capturedMessages(f) {
		f.Add(c.v6, c.msg)
	}
	f.Add(false, replyTo(request(false, 7, 3, 1), false, -1))
	f.Add(true, replyTo(request(true, 7, 3, 1), true, -1))
	f.Fuzz(func(t *testing.T, v6 bool, b []byte) {
		for _, dg := range []bool{false, true} {
			e := Expect{V6: v6, ID: 0x4242, Datagram: dg, Token: testToken, Size: testSize}
			v := Match(e, b)
			if v.Kind == Reply && (len(b) != 8+testSize || Token(b[8:14]) != testToken || v.Index < 0) {
				t.Fatalf("accepted a reply without our token: %x", b)
			}
			if v.Kind == Error && !v.Unverified && !containsToken(b) {
				t.Fatalf("verified an error without our token: %x", b)
			}
			_ = MatchQueued(e, b, 11, 0, 0)
		}
		m, err := ParseMessage(v6, b)
		if err != nil && m.Quote == nil {
			return
		}
		_ = m.Mark(true)
		if q, err := ParseQuote(m.Quote); err == nil {
			_, _ = q.Ports()
			_ = MatchQuotedEcho(Expect{V6: v6, ID: 0x4242, Token: testToken}, q.Transport)
		}
	})
}

// FuzzParseExtensions fuzzes the RFC 4884 structure parser on its own.
func FuzzParseExtensions(f *testing.F) {
	f.Add(mplsExtension([]uint32{24001, 16}))
	f.Add([]byte{0x20, 0, 0, 0, 0, 8, 2, 0x0f, 0, 0, 0, 7})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseExtensions(b)
		if err == nil && e == nil {
			t.Fatal("nil extensions without error")
		}
	})
}

// TestExtensionsAfterShortLength reads the layout of trippy issue 804: the
// RFC 4884 length counts only the quote (68 bytes), the quote is padded to
// 128 and the structure follows there. A valid structure at 128 is read,
// the quote kept at the length given; without a valid one (a bad checksum)
// the padding after the length is what the router said and is rejected as
// before.
func TestExtensionsAfterShortLength(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		q := quoteBytes(t, v6)
		n := 64 // a multiple of both word sizes
		body := append(append([]byte(nil), q[:n]...), make([]byte, 128-n)...)
		typ := byte(TypeTimeExceeded)
		hdr := []byte{typ, 0, 0, 0, 0, byte(n / 4), 0, 0}
		if v6 {
			typ = Type6TimeExceeded
			hdr = []byte{typ, 0, 0, 0, byte(n / 8), 0, 0, 0}
		}
		msg := append(append(hdr, body...), mplsExtension([]uint32{416240})...)
		m, err := ParseMessage(v6, msg)
		if err != nil || m.Extensions == nil || len(m.Extensions.MPLS) != 1 || m.Extensions.MPLS[0].Label != 416240 || len(m.Quote) != n {
			t.Errorf("v6=%v: ext %+v quote %d err %v, want label 416240 and a %d-byte quote", v6, m.Extensions, len(m.Quote), err, n)
		}
		if _, err := ParseQuote(m.Quote); err != nil {
			t.Errorf("v6=%v: quote: %v", v6, err)
		}
		bad := append([]byte(nil), msg...)
		bad[len(bad)-1] ^= 1 // the structure's checksum no longer checks
		if m, err := ParseMessage(v6, bad); !errors.Is(err, ErrBadExtension) || m.Extensions != nil || len(m.Quote) != n {
			t.Errorf("v6=%v, bad checksum at 128: ext %+v quote %d err %v, want ErrBadExtension for the padding", v6, m.Extensions, len(m.Quote), err)
		}
	}
}

// TestReassemblyAndQuench: Time Exceeded code 1 parses as an error that is
// no hop's answer; Source Quench quotes the datagram after the unused word.
func TestReassemblyAndQuench(t *testing.T) {
	q := quoteBytes(t, false)
	m, err := ParseMessage(false, append([]byte{TypeTimeExceeded, 1, 0, 0, 0, 0, 0, 0}, q...))
	if err != nil || !m.Reassembly() || m.TimeExceeded() || m.Mark(false) != "" {
		t.Errorf("reassembly: %+v %v", m, err)
	}
	m, err = ParseMessage(false, append([]byte{TypeSourceQuench, 0, 0, 0, 0, 0, 0, 0}, q...))
	if err != nil || !m.SourceQuench() || len(m.Quote) != len(q) {
		t.Errorf("source quench: %+v %v", m, err)
	}
}

// TestExtensionsAnnounced: after a length field that announces a structure
// but not where it is (past the end, trippy issue 1561; or shorter, with
// padding after it), one at 128 counts also without checksum; without an
// announcement a checksum is needed.
func TestExtensionsAnnounced(t *testing.T) {
	q := append(quoteBytes(t, false), make([]byte, 128)...)[:128]
	unsummed := mplsExtension([]uint32{84016})
	unsummed[2], unsummed[3] = 0, 0
	for _, tc := range []struct {
		name   string
		length byte // 32-bit words
		labels int
		quote  int
		err    error
	}{
		{"past the end", 128, 1, 128, nil},
		{"shorter, padding after it", 17, 1, 68, nil},
		{"none announced", 0, 0, 128 + len(unsummed), nil},
	} {
		msg := append(append([]byte{TypeTimeExceeded, 0, 0, 0, 0, tc.length, 0, 0}, q...), unsummed...)
		m, err := ParseMessage(false, msg)
		n := 0
		if m.Extensions != nil {
			n = len(m.Extensions.MPLS)
		}
		if n != tc.labels || len(m.Quote) != tc.quote || !errors.Is(err, tc.err) {
			t.Errorf("%s: %d labels, quote %d, err %v; want %d, %d, %v", tc.name, n, len(m.Quote), err, tc.labels, tc.quote, tc.err)
		}
	}
}
