package icmpmsg

// FuzzXNetEquivalence: the x/net-based parsers must give the results and
// error sentinels of the hand-written ones they replaced (oracle_test.go).

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

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
