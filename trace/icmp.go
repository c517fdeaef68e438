package trace

import (
	"encoding/binary"
	"net/netip"

	"netdx/icmpmsg"
)

// icmpProbes are echo requests, ping's: they carry icmpmsg's payload (the
// run's token, the send time) and are checked the way ping checks its own.
// A flow keeps its ICMP checksum; the sequence number names the probe.
type icmpProbes struct{}

func (icmpProbes) name() string            { return "icmp" }
func (icmpProbes) defaultPort() int        { return 0 }
func (icmpProbes) minPayload() int         { return icmpmsg.MinPayload }
func (icmpProbes) transportSize(n int) int { return 8 + n }
func (icmpProbes) pathMTU() bool           { return true }
func (icmpProbes) rawOnly() bool           { return false }
func (icmpProbes) segment(*matcher, netip.Addr, []byte, known) (claim, string) {
	return unclaimed(), ""
}

// echoRequest builds an ICMP (v6 false) or ICMPv6 echo request of n bytes
// of payload (at least icmpmsg.MinPayload) with id and seq = token,
// carrying the run's icmpmsg payload p, whose checksum is flowSum whatever
// the token and send time: the payload's index word is the adjustment.
// ECMP routers that hash on the first bytes of the ICMP header then send
// every probe of the flow the same way. For ICMPv6 the checksum covers the
// pseudo-header (src, dst); the kernel fills it in, and it comes out as
// flowSum.
func echoRequest(v6 bool, n int, src, dst netip.Addr, id int, token, flowSum uint16, p icmpmsg.Payload) []byte {
	b := make([]byte, 8+max(n, icmpmsg.MinPayload))
	b[0] = byte(icmpmsg.EchoType(v6))
	var s uint32
	if v6 {
		s = pseudoSum(src, dst, protoICMPv6, len(b))
	}
	binary.BigEndian.PutUint16(b[4:], uint16(id))
	binary.BigEndian.PutUint16(b[6:], token)
	p.Index = 0
	p.Put(b[8:])
	s = icmpmsg.Sum16(s, b)
	binary.BigEndian.PutUint16(b[8+icmpmsg.IndexAt:], onesSub(^flowSum, icmpmsg.Fold(s)))
	if !v6 {
		binary.BigEndian.PutUint16(b[2:], flowSum)
	}
	return b
}

// quoted: the quote's echo request must carry the run's token when it is
// long enough to hold it (icmpmsg.MatchQuotedEcho); one too short for it
// is only a claim.
func (icmpProbes) quoted(m *matcher, q *icmpmsg.Quote, ok known) claim {
	want := protoICMP
	if q.IPv6 {
		want = protoICMPv6
	}
	if q.Proto != want {
		return unclaimed()
	}
	t := q.Transport
	v := icmpmsg.MatchQuotedEcho(m.expect(q.IPv6), t)
	cs := binary.BigEndian.Uint16(t[2:])
	tok := binary.BigEndian.Uint16(t[6:])
	flow := m.flowBySum(cs)
	if id := binary.BigEndian.Uint16(t[4:]); int(id) != m.icmpID {
		// A NAT rewrote the echo id and fixed the checksum: the sum of
		// the two is what we sent.
		flow = m.flowByNATSum(cs, id)
	}
	switch {
	case v.Kind == icmpmsg.Error:
		return claim{token: tok, flow: flow, found: ok(tok, -1), unverified: v.Unverified, sentNS: v.SentNS}
	case len(t) < 8+icmpmsg.TokenLen && int(t[0]) == icmpmsg.EchoType(q.IPv6) && t[1] == 0 && flow >= 0:
		// A quote too short for the token, another echo id: a NAT's
		// rewrite if the sums agree. Still only a claim.
		return claim{token: tok, flow: flow, found: ok(tok, flow), unverified: true}
	}
	return unclaimed()
}

// queued: the error queue of an ICMP datagram socket hands back the echo
// request, checked by icmpmsg as ping checks its own.
func (icmpProbes) queued(m *matcher, v6 bool, sent []byte, ok known) claim {
	v := icmpmsg.MatchQuotedEcho(m.expect(v6), sent)
	if v.Kind != icmpmsg.Error {
		return unclaimed()
	}
	tok := uint16(v.Seq)
	return claim{token: tok, flow: -1, found: ok(tok, -1), unverified: v.Unverified, sentNS: v.SentNS}
}

// echoed checks an echo reply as ping checks its replies
// (icmpmsg.MatchReply): our id, the checksum, the run's token and fill;
// it must come from the target. One that is ours but fails a check is
// found, with a cause.
func (icmpProbes) echoed(m *matcher, msg *icmpmsg.Message, data []byte, src netip.Addr, ok known) claim {
	v := icmpmsg.MatchReply(m.expect(msg.IPv6), msg, data)
	tok := uint16(v.Seq)
	switch v.Kind {
	case icmpmsg.Invalid:
		return claim{token: tok, flow: -1, found: ok(tok, -1), cause: v.Cause}
	case icmpmsg.Reply:
		c := claim{token: tok, flow: -1, found: ok(tok, -1), sentNS: v.SentNS, size: v.Len}
		if src.WithZone("") != m.target {
			c.cause = icmpmsg.WrongSource
		}
		return c
	}
	return unclaimed()
}
