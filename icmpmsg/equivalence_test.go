package icmpmsg

// The parsers as they were before they moved onto golang.org/x/net,
// kept as the oracle of FuzzXNetEquivalence: the x/net-based parsers
// must give the same results and the same error sentinels. Deliberate
// changes since are marked in oldParseMessage: Source Quench (which ping
// reads), and a structure at byte 128 when the RFC 4884 length announced
// one elsewhere (shorter, or past the end).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"testing"
)

// oldParseMessage decodes b, an ICMP (v6 false) or ICMPv6 message without IP
// header, as read from an ICMP socket. It does not verify the checksum:
// the kernel already has for ICMPv6, and routers that rewrite quotes
// routinely get it wrong for ICMP.
func oldParseMessage(v6 bool, b []byte) (Message, error) {
	if len(b) < 8 {
		return Message{}, fmt.Errorf("%w: icmp message of %d bytes", ErrTruncated, len(b))
	}
	m := Message{IPv6: v6, Type: int(b[0]), Code: int(b[1])}
	// lenField is the RFC 4884 length of the original datagram, in 32-bit
	// (ICMP) or 64-bit (ICMPv6) words; unit is the word size.
	var lenField, unit int
	switch {
	case m.EchoReply():
		m.ID = int(binary.BigEndian.Uint16(b[4:]))
		m.Seq = int(binary.BigEndian.Uint16(b[6:]))
		if len(b) > 8 {
			m.Data = b[8:]
		}
		return m, nil
	case !v6 && m.Type == TypeSourceQuench:
		// Deliberate change: ping has always read Source Quench.
		m.Quote = b[8:]
		return m, nil
	case !v6 && (m.Type == TypeUnreachable || m.Type == TypeTimeExceeded || m.Type == TypeParamProblem):
		lenField, unit = int(b[5]), 4
		if m.Type == TypeUnreachable && m.Code == 4 {
			m.MTU = int(binary.BigEndian.Uint16(b[6:]))
		}
	case v6 && (m.Type == Type6Unreachable || m.Type == Type6TimeExceeded):
		lenField, unit = int(b[4]), 8
	case v6 && m.Type == Type6PacketTooBig:
		m.MTU = int(binary.BigEndian.Uint32(b[4:]))
	case v6 && m.Type == Type6ParamProblem:
	default:
		return m, fmt.Errorf("%w: type %d code %d", ErrNotError, m.Type, m.Code)
	}
	data := b[8:]
	m.Quote = data
	if lenField > 0 {
		n := lenField * unit
		// Deliberate change: the length field announces a structure; when
		// it points past the end (trippy issue 1561), or what follows a
		// length under 128 is not one (trippy issue 804), a structure at
		// 128 whose checksum is right or zero is read.
		at128 := func() bool {
			if len(data) > 128+4 && (m.TimeExceeded() || m.Unreachable()) {
				if ext, err := oldParseExtensions(data[128:]); err == nil && (ext.checksumOK || ext.unsummed) {
					m.Extensions = ext
					return true
				}
			}
			return false
		}
		if n > len(data) {
			if at128() {
				m.Quote = data[:128]
				return m, nil
			}
			return m, fmt.Errorf("%w: rfc 4884 length %d bytes, %d present", ErrTruncated, n, len(data))
		}
		m.Quote = data[:n]
		if n < len(data) {
			ext, err := oldParseExtensions(data[n:])
			if err != nil {
				if n < 128 && at128() {
					return m, nil
				}
				return m, err
			}
			m.Extensions = ext
		}
		return m, nil
	}
	// Routers that predate RFC 4884 put the extensions after a 128-byte
	// original datagram and leave the length zero (RFC 4884 section 5.5);
	// accept them only when the structure's version and checksum check.
	if len(data) > 128+4 && (m.TimeExceeded() || m.Unreachable()) {
		if ext, err := oldParseExtensions(data[128:]); err == nil && ext.checksumOK {
			m.Quote = data[:128]
			m.Extensions = ext
		}
	}
	return m, nil
}

// oldParseExtensions decodes an RFC 4884 extension structure: a 4-byte
// header (version 2, checksum) and objects of length, class and c-type.
func oldParseExtensions(b []byte) (*Extensions, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: %d bytes", ErrTruncated, len(b))
	}
	if v := b[0] >> 4; v != 2 {
		return nil, fmt.Errorf("%w: version %d", ErrBadExtension, v)
	}
	e := &Extensions{}
	sum := binary.BigEndian.Uint16(b[2:])
	// A zero checksum means the sender did not compute one.
	e.checksumOK = sum != 0 && Checksum(b) == 0
	e.unsummed = sum == 0
	for rest := b[4:]; len(rest) > 0; {
		if len(rest) < 4 {
			return nil, fmt.Errorf("%w: object header of %d bytes", ErrTruncated, len(rest))
		}
		n := int(binary.BigEndian.Uint16(rest))
		if n < 4 || n > len(rest) {
			return nil, fmt.Errorf("%w: object length %d of %d bytes", ErrBadExtension, n, len(rest))
		}
		class, ctype, body := int(rest[2]), int(rest[3]), rest[4:n]
		rest = rest[n:]
		switch {
		case class == classMPLS && ctype == 1:
			if len(body)%4 != 0 {
				return nil, fmt.Errorf("%w: mpls stack of %d bytes", ErrBadExtension, len(body))
			}
			for i := 0; i+4 <= len(body); i += 4 {
				v := binary.BigEndian.Uint32(body[i:])
				e.MPLS = append(e.MPLS, MPLSLabel{
					Label: int(v >> 12), TC: int(v>>9) & 7, S: v&0x100 != 0, TTL: int(v & 0xff),
				})
			}
		case class == classInterface:
			ii, err := oldParseInterfaceInfo(ctype, body)
			if err != nil {
				return nil, err
			}
			e.Interfaces = append(e.Interfaces, ii)
		default:
			e.Unknown = append(e.Unknown, ObjectType{Class: class, CType: ctype})
		}
	}
	return e, nil
}

// oldParseInterfaceInfo decodes an RFC 5837 object: the c-type holds the
// interface role (2 bits) and flags for the sub-objects present, in the
// order ifIndex, IP address, name, MTU.
func oldParseInterfaceInfo(ctype int, b []byte) (InterfaceInfo, error) {
	ii := InterfaceInfo{Role: interfaceRoles[ctype>>6]}
	short := func(what string) error {
		return fmt.Errorf("%w: interface information: %s needs more than %d bytes", ErrTruncated, what, len(b))
	}
	if ctype&0x08 != 0 {
		if len(b) < 4 {
			return ii, short("ifindex")
		}
		ii.Index, b = int(binary.BigEndian.Uint32(b)), b[4:]
	}
	if ctype&0x04 != 0 {
		if len(b) < 4 {
			return ii, short("address")
		}
		switch afi := binary.BigEndian.Uint16(b); afi {
		case 1:
			if len(b) < 8 {
				return ii, short("ipv4 address")
			}
			ii.Addr, b = netip.AddrFrom4([4]byte(b[4:8])), b[8:]
		case 2:
			if len(b) < 20 {
				return ii, short("ipv6 address")
			}
			ii.Addr, b = netip.AddrFrom16([16]byte(b[4:20])), b[20:]
		default:
			return ii, fmt.Errorf("%w: interface address family %d", ErrBadExtension, afi)
		}
	}
	if ctype&0x02 != 0 {
		if len(b) < 1 {
			return ii, short("name")
		}
		n := int(b[0])
		if n < 1 || n > len(b) || n%4 != 0 {
			return ii, fmt.Errorf("%w: interface name length %d", ErrBadExtension, n)
		}
		name := b[1:n]
		for len(name) > 0 && name[len(name)-1] == 0 {
			name = name[:len(name)-1]
		}
		ii.Name, b = string(name), b[n:]
	}
	if ctype&0x01 != 0 {
		if len(b) < 4 {
			return ii, short("mtu")
		}
		ii.MTU = int(binary.BigEndian.Uint32(b))
	}
	return ii, nil
}

// oldParseQuote decodes the original datagram of an ICMP error. Quotes with
// less than 8 bytes of transport header cannot be matched to a probe and
// give ErrTruncated.
func oldParseQuote(b []byte) (Quote, error) {
	if len(b) < 1 {
		return Quote{}, fmt.Errorf("%w: empty quote", ErrTruncated)
	}
	var q Quote
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 {
			return q, fmt.Errorf("%w: ipv4 header of %d bytes", ErrTruncated, len(b))
		}
		ihl := int(b[0]&0x0f) * 4
		if ihl < 20 {
			return q, fmt.Errorf("%w: ipv4 header length %d", ErrBadQuote, ihl)
		}
		if len(b) < ihl {
			return q, fmt.Errorf("%w: ipv4 header of %d bytes, %d quoted", ErrTruncated, ihl, len(b))
		}
		q.Length = int(binary.BigEndian.Uint16(b[2:]))
		q.TTL, q.Proto = int(b[8]), int(b[9])
		q.Src = netip.AddrFrom4([4]byte(b[12:16]))
		q.Dst = netip.AddrFrom4([4]byte(b[16:20]))
		q.Transport = b[ihl:]
	case 6:
		if len(b) < 40 {
			return q, fmt.Errorf("%w: ipv6 header of %d bytes", ErrTruncated, len(b))
		}
		q.IPv6 = true
		q.Length = 40 + int(binary.BigEndian.Uint16(b[4:]))
		q.TTL = int(b[7])
		q.Src = netip.AddrFrom16([16]byte(b[8:24]))
		q.Dst = netip.AddrFrom16([16]byte(b[24:40]))
		next, rest := int(b[6]), b[40:]
		// Skip the extension headers a probe may carry.
		for next == 0 || next == 43 || next == 44 || next == 60 {
			if len(rest) < 8 {
				return q, fmt.Errorf("%w: ipv6 extension header", ErrTruncated)
			}
			n := 8
			if next != 44 {
				n = (int(rest[1]) + 1) * 8
			}
			if len(rest) < n {
				return q, fmt.Errorf("%w: ipv6 extension header of %d bytes", ErrTruncated, n)
			}
			next, rest = int(rest[0]), rest[n:]
		}
		q.Proto, q.Transport = next, rest
	default:
		return q, fmt.Errorf("%w: ip version %d", ErrBadQuote, b[0]>>4)
	}
	if len(q.Transport) < 8 {
		return q, fmt.Errorf("%w: %d bytes of transport header quoted, 8 needed", ErrTruncated, len(q.Transport))
	}
	return q, nil
}

// sentinels are the errors whose errors.Is behaviour the move to x/net
// keeps.
var sentinels = []error{ErrTruncated, ErrNotError, ErrBadQuote, ErrBadExtension}

// sameErr fails t unless old and new wrap the same sentinels.
func sameErr(t *testing.T, what string, old, new error) {
	t.Helper()
	if (old == nil) != (new == nil) {
		t.Fatalf("%s: error %v, was %v", what, new, old)
	}
	for _, s := range sentinels {
		if errors.Is(old, s) != errors.Is(new, s) {
			t.Fatalf("%s: error %v, was %v", what, new, old)
		}
	}
}

// interfaceObject is an RFC 5837 object of c-type ctype with the given
// sub-object bytes.
func interfaceObject(ctype byte, sub ...byte) []byte {
	return append([]byte{0, byte(4 + len(sub)), classInterface, ctype}, sub...)
}

// extensionStructure is an RFC 4884 structure of the objects, with its
// checksum when sum is set.
func extensionStructure(sum bool, objs ...[]byte) []byte {
	e := []byte{0x20, 0, 0, 0}
	for _, o := range objs {
		e = append(e, o...)
	}
	if sum {
		binary.BigEndian.PutUint16(e[2:], Checksum(e))
	}
	return e
}

// equivalenceSeeds are messages that take every path of ParseMessage's
// quote and extension handling: RFC 4884 lengths of 128 bytes and less,
// the zero-length compat form with and without a checksum, structures
// x/net rejects (a 68-byte name), objects it decodes differently (class 3,
// MPLS c-type 2, a name with leading NULs), and cut or bad structures.
func equivalenceSeeds(t testing.TB) (msgs [][]byte, exts [][]byte) {
	q := quoteBytes(t, false)[:28]
	name := func(n int, s string) []byte {
		b := make([]byte, n)
		b[0] = byte(n)
		copy(b[1:], s)
		return b
	}
	long := interfaceObject(0x0a|0x40, append([]byte{0, 0, 0, 9}, name(68, "xe-0/0/0.32767-a-rather-long-name-that-rfc-5837-does-not-allow")...)...)
	objs := [][]byte{
		{0, 12, classMPLS, 1, 0x05, 0xdc, 0x11, 0x01, 0, 0x01, 0x01, 0xff},
		{0, 8, classMPLS, 2, 0, 0, 0, 1},
		interfaceObject(0x0f, append(append([]byte{0, 0, 0, 7, 0, 1, 0, 0, 198, 18, 9, 1}, name(12, "ge-0/0/1")...), 0, 0, 0x23, 0x28)...),
		interfaceObject(0xc6, append([]byte{0, 2, 0, 0, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, name(8, "\x00\x00lo")...)...),
		long,
		{0, 8, 3, 2, 0, 0, 0, 5},
		{0, 5, 3, 3, 0},
		{0, 8, 9, 9, 1, 2, 3, 4},
	}
	for _, o := range objs {
		exts = append(exts, extensionStructure(true, o), extensionStructure(false, o))
	}
	all := extensionStructure(true, objs...)
	bad := append([]byte(nil), all...)
	bad[2] ^= 0xff
	exts = append(exts, all, bad, all[:len(all)-3], append(append([]byte(nil), all...), 0, 0))
	for _, e := range exts {
		for _, n := range []int{28, 64, 128, 136} {
			quote := append(append([]byte(nil), q...), make([]byte, n-len(q))...)
			for _, typ := range []byte{TypeTimeExceeded, TypeUnreachable, TypeParamProblem} {
				msg := append([]byte{typ, 0, 0, 0, 0, byte(n / 4), 0, 0}, quote...)
				msgs = append(msgs, append(msg, e...))
				compat := append([]byte{typ, 4, 0, 0, 0, 0, 5, 0xdc}, quote...)
				msgs = append(msgs, append(compat, e...))
			}
		}
	}
	return msgs, exts
}

// FuzzXNetEquivalence checks that ParseMessage, ParseExtensions and
// ParseQuote, on golang.org/x/net, decode every input as the hand-written
// parsers they replaced did (oldParseMessage and the others above), and
// wrap the same error sentinels. Its seeds are the captured messages and
// equivalenceSeeds; it also runs as a plain test over them.
func FuzzXNetEquivalence(f *testing.F) {
	for _, c := range capturedMessages(f) {
		f.Add(c.v6, c.msg)
	}
	msgs, exts := equivalenceSeeds(f)
	for _, b := range msgs {
		f.Add(false, b)
		b6 := append([]byte(nil), b...)
		b6[0], b6[4], b6[5] = Type6TimeExceeded, b[5]/2, 0
		f.Add(true, b6)
	}
	for _, b := range exts {
		f.Add(false, b)
	}
	// Quotes: a bad IPv4 header length, IPv4 options, IPv6 extension
	// headers (hop-by-hop, fragment), each whole and cut.
	q4, q6 := quoteBytes(f, false), quoteBytes(f, true)
	bad := append([]byte{0x44}, q4[1:]...)
	opts := append(append([]byte{0x46}, q4[1:20]...), append([]byte{1, 1, 1, 0}, q4[20:]...)...)
	ext6 := append(append([]byte(nil), q6[:40]...), q6[6], 0, 1, 4, 0, 0, 0, 0, 44, 0, 0, 0, 0, 0, 0, 1)
	ext6[6] = 0
	ext6[40], ext6[48] = 44, q6[6]
	ext6 = append(ext6, q6[40:]...)
	for _, q := range [][]byte{bad, opts, ext6} {
		for _, n := range []int{len(q), 56, 40, 27, 19} {
			f.Add(false, q[:min(n, len(q))])
		}
	}
	f.Fuzz(func(t *testing.T, v6 bool, b []byte) {
		om, oerr := oldParseMessage(v6, b)
		nm, nerr := ParseMessage(v6, b)
		sameErr(t, "ParseMessage", oerr, nerr)
		if !reflect.DeepEqual(om, nm) {
			t.Fatalf("ParseMessage:\n got %+v %+v\nwas %+v %+v", nm, nm.Extensions, om, om.Extensions)
		}
		oe, oerr := oldParseExtensions(b)
		ne, nerr := ParseExtensions(b)
		sameErr(t, "ParseExtensions", oerr, nerr)
		if !reflect.DeepEqual(oe, ne) {
			t.Fatalf("ParseExtensions: got %+v, was %+v", ne, oe)
		}
		for _, in := range [][]byte{b, nm.Quote} {
			oq, oerr := oldParseQuote(in)
			nq, nerr := ParseQuote(in)
			sameErr(t, "ParseQuote", oerr, nerr)
			if !reflect.DeepEqual(oq, nq) {
				t.Fatalf("ParseQuote: got %+v, was %+v", nq, oq)
			}
		}
	})
}

// TestEquivalenceSeedsDecode makes sure the seeds of FuzzXNetEquivalence
// reach what they are meant to: extensions decoded through x/net, in
// both ways ParseMessage gets them.
func TestEquivalenceSeedsDecode(t *testing.T) {
	msgs, _ := equivalenceSeeds(t)
	var mpls, ifaces, long, unknown int
	for _, b := range msgs {
		m, err := ParseMessage(false, b)
		if err != nil || m.Extensions == nil {
			continue
		}
		mpls += len(m.Extensions.MPLS)
		unknown += len(m.Extensions.Unknown)
		for _, ii := range m.Extensions.Interfaces {
			ifaces++
			if len(ii.Name) > 60 && ii.Index == 9 {
				long++
			}
		}
	}
	if mpls == 0 || ifaces == 0 || long == 0 || unknown == 0 {
		t.Errorf("seeds decode %d labels, %d interfaces (%d with a long name), %d unknown objects", mpls, ifaces, long, unknown)
	}
}

// BenchmarkParseMessage compares ParseMessage on x/net with the
// hand-written parser it replaced, on a captured Time Exceeded and on one
// with an RFC 4950 label stack.
func BenchmarkParseMessage(b *testing.B) {
	q := quoteBytes(b, false)
	te := append([]byte{TypeTimeExceeded, 0, 0, 0, 0, 0, 0, 0}, q...)
	mpls := append([]byte{TypeTimeExceeded, 0, 0, 0, 0, 128 / 4, 0, 0}, append(q, make([]byte, 128)...)[:128]...)
	mpls = append(mpls, mplsExtension([]uint32{24001, 16})...)
	for _, c := range []struct {
		name string
		msg  []byte
	}{{"plain", te}, {"mpls", mpls}} {
		b.Run(c.name+"/xnet", func(b *testing.B) {
			for b.Loop() {
				if _, err := ParseMessage(false, c.msg); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/old", func(b *testing.B) {
			for b.Loop() {
				if _, err := oldParseMessage(false, c.msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
