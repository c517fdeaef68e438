package packettest

import (
	"fmt"
	"net/netip"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"netdx/icmpmsg"
)

// ICMP marshals m with its checksum: an ICMPv6 message's covers the
// pseudo-header from src to dst. Without addresses an ICMPv6 checksum
// stays 0, as the tests that hand a message the kernel has already
// checked to the code under test want it.
func ICMP(m icmp.Message, src, dst netip.Addr) []byte {
	var psh []byte
	if m.Type.Protocol() == icmpmsg.ProtoICMPv6 && src.IsValid() && dst.IsValid() {
		psh = icmp.IPv6PseudoHeader(src.AsSlice(), dst.AsSlice())
	}
	b, err := m.Marshal(psh)
	if err != nil {
		panic("packettest: " + err.Error())
	}
	return b
}

// ReplyTo is the echo reply to the echo request req (an ICMP or ICMPv6
// message, from its type on): the same id, sequence and data.
func ReplyTo(req []byte) icmp.Message {
	proto, typ := icmpmsg.ProtoICMP, icmp.Type(ipv4.ICMPTypeEchoReply)
	if req[0] == byte(ipv6.ICMPTypeEchoRequest) {
		proto, typ = icmpmsg.ProtoICMPv6, ipv6.ICMPTypeEchoReply
	}
	m, err := icmp.ParseMessage(proto, req)
	if err != nil {
		panic("packettest: " + err.Error())
	}
	e, ok := m.Body.(*icmp.Echo)
	if !ok {
		panic("packettest: not an echo request")
	}
	return icmp.Message{Type: typ, Body: &icmp.Echo{ID: e.ID, Seq: e.Seq, Data: e.Data}}
}

// Error is the ICMP error of type and code (time exceeded, destination
// unreachable, parameter problem) quoting q, with the RFC 4884 extensions
// given (x/net pads the quote to 128 bytes then). TooBig makes the errors
// that carry an MTU.
func Error(typ icmp.Type, code int, q []byte, exts ...icmp.Extension) icmp.Message {
	var body icmp.MessageBody
	switch typ {
	case ipv4.ICMPTypeTimeExceeded, ipv6.ICMPTypeTimeExceeded:
		body = &icmp.TimeExceeded{Data: q, Extensions: exts}
	case ipv4.ICMPTypeDestinationUnreachable, ipv6.ICMPTypeDestinationUnreachable:
		body = &icmp.DstUnreach{Data: q, Extensions: exts}
	case ipv4.ICMPTypeParameterProblem, ipv6.ICMPTypeParameterProblem:
		body = &icmp.ParamProb{Data: q, Extensions: exts}
	default:
		panic(fmt.Sprintf("packettest: %v is not an error type", typ))
	}
	return icmp.Message{Type: typ, Code: code, Body: body}
}

// TooBig is the error that tells the MTU of the next hop, quoting q:
// ICMPv6 Packet Too Big, or IPv4 Destination Unreachable "fragmentation
// needed" (code 4) with the MTU in its second word (RFC 1191), which x/net
// has no body for.
func TooBig(v6 bool, mtu int, q []byte) icmp.Message {
	if v6 {
		return icmp.Message{Type: ipv6.ICMPTypePacketTooBig, Body: &icmp.PacketTooBig{MTU: mtu, Data: q}}
	}
	b := append([]byte{0, 0, byte(mtu >> 8), byte(mtu)}, q...)
	return icmp.Message{Type: ipv4.ICMPTypeDestinationUnreachable, Code: 4, Body: &icmp.RawBody{Data: b}}
}

// MPLS is an RFC 4950 label stack extension with the labels given, TTL 1
// each and the bottom of the stack on the last.
func MPLS(labels ...int) *icmp.MPLSLabelStack {
	ls := &icmp.MPLSLabelStack{Class: 1, Type: 1}
	for i, l := range labels {
		ls.Labels = append(ls.Labels, icmp.MPLSLabel{Label: l, TTL: 1, S: i == len(labels)-1})
	}
	return ls
}
