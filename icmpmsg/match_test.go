package icmpmsg

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

var testToken = Token{1, 2, 3, 4, 5, 6}

const testSize = 56 // iputils' payload

// request is the echo request a run with testToken sends: id 0x4242, the
// payload with index and sentNS, testSize bytes, built by x/net.
func request(v6 bool, seq, index int, sentNS int64) []byte {
	p := make([]byte, testSize)
	Payload{Token: testToken, Index: uint16(index), SentNS: sentNS}.Put(p)
	m := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: 0x4242, Seq: seq, Data: p}}
	if v6 {
		m.Type = ipv6.ICMPTypeEchoRequest
	}
	b, err := m.Marshal(nil)
	if err != nil {
		panic(err)
	}
	return b
}

// replyTo turns an echo request into the reply a host would send, with
// the id rewritten (as the kernel does on datagram sockets) when id >= 0.
func replyTo(req []byte, v6 bool, id int) []byte {
	b := append([]byte(nil), req...)
	b[0] = TypeEchoReply
	if v6 {
		b[0] = Type6EchoReply
	}
	if id >= 0 {
		binary.BigEndian.PutUint16(b[4:], uint16(id))
	}
	b[2], b[3] = 0, 0
	if !v6 {
		binary.BigEndian.PutUint16(b[2:], Checksum(b))
	}
	return b
}

// ipv4Header is a 20-byte IPv4 header from src to dst carrying proto.
func ipv4Header(src, dst netip.Addr, proto byte, payload int) []byte {
	h := make([]byte, 20)
	h[0], h[8], h[9] = 0x45, 1, proto
	binary.BigEndian.PutUint16(h[2:], uint16(20+payload))
	copy(h[12:], src.AsSlice())
	copy(h[16:], dst.AsSlice())
	return h
}

// ipv6Header is a 40-byte IPv6 header from src to dst carrying next.
func ipv6Header(src, dst netip.Addr, next byte, payload int) []byte {
	h := make([]byte, 40)
	h[0], h[6], h[7] = 0x60, next, 1
	binary.BigEndian.PutUint16(h[4:], uint16(payload))
	copy(h[8:], src.AsSlice())
	copy(h[24:], dst.AsSlice())
	return h
}

func TestMatchReplies(t *testing.T) {
	raw4 := Expect{ID: 0x4242, Token: testToken, Size: testSize}
	raw6 := Expect{V6: true, ID: 0x4242, Token: testToken, Size: testSize}
	dgram4 := Expect{ID: 0x4242, Datagram: true, Token: testToken, Size: testSize}
	anySize := Expect{ID: 0x4242, Token: testToken}
	const sent = int64(1700000000123456789)
	good := replyTo(request(false, 7, 3, sent), false, -1)

	corrupt := func(b []byte, i int) []byte {
		b = append([]byte(nil), b...)
		b[i] ^= 0xff
		return b
	}
	wrongToken := request(false, 7, 3, sent)
	wrongToken[8] ^= 1
	wrongToken = replyTo(wrongToken, false, -1) // valid checksum, wrong token
	wrongFill := request(false, 7, 3, sent)
	wrongFill[8+40] ^= 1
	wrongFill = replyTo(wrongFill, false, -1)
	long := append(request(false, 7, 3, sent), 56, 57, 58, 59, 60, 61, 62, 63)
	otherSize := replyTo(long, false, -1)
	short := replyTo(request(false, 7, 3, sent)[:8+12], false, -1)

	cases := []struct {
		name   string
		e      Expect
		data   []byte
		kind   Kind
		cause  Cause
		index  int
		seq    int
		reason string
	}{
		{"valid v4 reply", raw4, good, Reply, CauseNone, 3, 7, ""},
		{"valid v6 reply (kernel checksum)", raw6, replyTo(request(true, 9, 1, sent), true, -1), Reply, CauseNone, 1, 9, ""},
		{"wrong token", raw4, wrongToken, Invalid, WrongToken, -1, 7, "wrong token"},
		{"corrupted checksum", raw4, corrupt(good, 30), Invalid, BadChecksum, -1, 7, "bad checksum"},
		{"corrupted fill, checksum fixed", raw4, wrongFill, Invalid, WrongData, 3, 7, "wrong data byte #40"},
		{"payload size changed", raw4, otherSize, Invalid, WrongSize, -1, 7, "payload of 64 bytes, sent 56"},
		{"any size asked, 64 bytes", anySize, otherSize, Reply, CauseNone, 3, 7, ""},
		{"any size asked, too short for the payload", anySize, short, Invalid, WrongSize, -1, 7, "payload of 12 bytes, sent at least 16"},
		{"another program's id on a raw socket", raw4, replyTo(request(false, 7, 3, sent), false, 0x1111), Foreign, CauseNone, -1, 7, "another echo id"},
		{"id rewritten by a datagram socket", dgram4, replyTo(request(false, 7, 3, sent), false, 0x1111), Reply, CauseNone, 3, 7, ""},
		{"bad checksum on a datagram socket (the kernel checked it)", dgram4, corrupt(good, 2), Reply, CauseNone, 3, 7, ""},
		{"echo request (our own, looped)", raw4, request(false, 7, 3, sent), Foreign, CauseNone, -1, 0, "ICMP echo (type 8)"},
		{"v4 reply on a v6 socket", raw6, good, Foreign, CauseNone, -1, 0, "ICMP type 0"},
		{"short", raw4, good[:5], Foreign, CauseNone, -1, 0, "short message"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := Match(tc.e, tc.data)
			if v.Kind != tc.kind || v.Cause != tc.cause || v.Index != tc.index || v.Seq != tc.seq || v.Reason != tc.reason {
				t.Errorf("Match = %+v, want kind %v cause %v index %d seq %d reason %q", v, tc.kind, tc.cause, tc.index, tc.seq, tc.reason)
			}
			if v.Kind == Reply && v.SentNS != sent {
				t.Errorf("SentNS = %d, want %d", v.SentNS, sent)
			}
		})
	}
}

// TestMatchQuotes checks the token rule on errors: the token decides
// whenever the quote holds it; a quote too short for it matches on id and
// sequence, Unverified.
func TestMatchQuotes(t *testing.T) {
	raw4 := Expect{ID: 0x4242, Token: testToken, Size: testSize}
	const sent = int64(1700000000123456789)
	src, dst := netip.MustParseAddr("198.18.1.1"), netip.MustParseAddr("198.18.2.2")
	req := request(false, 5, 2, sent)
	// quoting n bytes of the echo request, with the real IP header.
	quoting := func(typ, code byte, n int) []byte {
		return append([]byte{typ, code, 0, 0, 0, 0, 0, 0}, append(ipv4Header(src, dst, 1, len(req)), req[:n]...)...)
	}
	full := quoting(11, 0, len(req))
	other := append([]byte(nil), full...)
	other[8+20+8] ^= 1 // someone else's token
	natID := append([]byte(nil), full...)
	binary.BigEndian.PutUint16(natID[8+20+4:], 0x9999)

	cases := []struct {
		name       string
		data       []byte
		kind       Kind
		index      int
		sentNS     int64
		unverified bool
	}{
		{"whole request quoted (Linux)", full, Error, 2, sent, false},
		{"8 bytes quoted (RFC 792): id and sequence only", quoting(3, 1, 8), Error, -1, 0, true},
		{"13 bytes: still too short for the token", quoting(3, 1, 13), Error, -1, 0, true},
		{"14 bytes: the token, not the send time", quoting(3, 1, 14), Error, -1, 0, false},
		{"14 bytes of another run's token", append(quoting(3, 1, 13), req[13]^1), Foreign, -1, 0, false},
		{"another run's token, whole", other, Foreign, -1, 0, false},
		{"our token, id rewritten by a NAT", natID, Error, 2, sent, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := Match(raw4, tc.data)
			if v.Kind != tc.kind || v.Index != tc.index || v.SentNS != tc.sentNS || v.Unverified != tc.unverified {
				t.Errorf("Match = %+v, want kind %v index %d sent %d unverified %v", v, tc.kind, tc.index, tc.sentNS, tc.unverified)
			}
			if v.Kind == Error && (v.Seq != 5 || v.Dst != dst || v.ErrType != int(tc.data[0]) || v.ErrCode != int(tc.data[1])) {
				t.Errorf("Match = %+v, want seq 5 to %s, type and code of the message", v, dst)
			}
		})
	}
	// Short quote, another echo id: not ours on a raw socket.
	short := quoting(11, 0, 8)
	binary.BigEndian.PutUint16(short[8+20+4:], 0x1111)
	if v := Match(raw4, short); v.Kind != Foreign || v.Reason != "another echo id" {
		t.Errorf("short quote of another id: %+v", v)
	}
	// A datagram socket's queued error: the quoted message with the
	// kernel's id, type and code from the extended error, the MTU of a
	// Fragmentation Needed from its info.
	dg := Expect{ID: 0x9999, Datagram: true, Token: testToken, Size: testSize}
	if v := MatchQueued(dg, req, 11, 0, 0); v.Kind != Error || v.Index != 2 || v.Seq != 5 || v.ErrType != 11 || v.Unverified {
		t.Errorf("queued: %+v", v)
	}
	if v := MatchQueued(dg, req, 3, 4, 1400); v.Kind != Error || v.MTU != 1400 {
		t.Errorf("queued fragmentation needed: %+v", v)
	}
	if v := MatchQueued(dg, other[8+20:], 11, 0, 0); v.Kind != Foreign {
		t.Errorf("queued, another token: %+v", v)
	}
}

// FuzzMatch feeds arbitrary ICMP messages to Match and MatchQueued (the
// seeds were found against probe's matcher before it moved here): they
// must never panic, whatever they accept as a reply must carry our token,
// and no error is verified without it.
func FuzzMatch(f *testing.F) {
	const sent = int64(1700000000123456789)
	f.Add(replyTo(request(false, 7, 3, sent), false, -1), false, false)
	f.Add(replyTo(request(true, 7, 3, sent), true, -1), true, false)
	f.Add(replyTo(request(false, 7, 3, sent), false, 0x1111), false, true)
	f.Add([]byte{11, 0, 0, 0, 0, 0, 0, 0, 0x45, 0, 0, 84, 0, 0, 0, 0, 1, 1, 0, 0, 198, 18, 1, 1, 198, 18, 2, 2, 8, 0, 0, 0, 0x42, 0x42, 0, 1}, false, false)
	f.Add([]byte{3, 0, 0, 0, 0, 0, 0, 0, 0x60, 0, 0, 0, 0, 8, 58, 1}, true, false)
	f.Fuzz(func(t *testing.T, data []byte, v6, datagram bool) {
		e := Expect{V6: v6, ID: 0x4242, Datagram: datagram, Token: testToken, Size: testSize}
		for _, v := range []Verdict{Match(e, data), MatchQueued(e, data, 11, 0, 0)} {
			if v.Kind == Reply && (len(data) != 8+testSize || Token(data[8:14]) != testToken || v.Index < 0) {
				t.Fatalf("accepted a reply without our token: %x", data)
			}
			if v.Kind == Error && !v.Unverified && !containsToken(data) {
				t.Fatalf("verified an error without our token: %x", data)
			}
			if v.Kind == Invalid && v.Cause == CauseNone {
				t.Fatalf("invalid without a cause: %+v", v)
			}
		}
	})
}
