package packettest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"netdx/icmpmsg"
	"netdx/internal/fixture"
)

// rebuilt counts the layers of captured packets the builders made again.
type rebuilt map[string]int

// TestCapturedRebuilt rebuilds every packet Linux sent or quoted in
// icmpmsg's captures (netdx's probes and the routers' and targets'
// answers, taken with tcpdump in the lab), layer by layer, from the
// fields x/net parses out of it: each must come out byte for byte,
// checksums included.
func TestCapturedRebuilt(t *testing.T) {
	files, _ := filepath.Glob("../../icmpmsg/testdata/captured/*.txt")
	if len(files) == 0 {
		t.Fatal("no captures")
	}
	n := rebuilt{}
	for _, path := range files {
		requests := map[[2]int][]byte{} // echo requests by id and sequence
		for i, pk := range fixture.ReadTcpdump(t, path) {
			checkIP(t, fmt.Sprintf("%s packet %d", filepath.Base(path), i+1), pk.IP, requests, n)
		}
	}
	t.Logf("rebuilt %v", n)
	for _, k := range []string{"ipv4", "ipv6", "echo", "reply", "error", "too big", "udp", "tcp", "quoted ipv4", "quoted ipv6"} {
		if n[k] == 0 {
			t.Errorf("no %s rebuilt: the captures changed?", k)
		}
	}
}

// checkIP rebuilds the IP packet b and what it carries.
func checkIP(t *testing.T, name string, b []byte, requests map[[2]int][]byte, n rebuilt) {
	t.Helper()
	var src, dst netip.Addr
	var proto int
	var got []byte
	what := "ipv4"
	if requests == nil {
		what = "quoted ipv4"
	}
	hl, total := ipv4.HeaderLen, len(b)
	if b[0]>>4 == 4 {
		h, err := ipv4.ParseHeader(b)
		if err != nil || h.TotalLen < len(b) || requests != nil && h.TotalLen != len(b) {
			t.Fatalf("%s: %v (length %d of %d)", name, err, h.TotalLen, len(b))
		}
		src, dst, proto, hl, total = netip.AddrFrom4([4]byte(h.Src.To4())), netip.AddrFrom4([4]byte(h.Dst.To4())), h.Protocol, h.Len, h.TotalLen
		got = IPv4(*h, make([]byte, total-hl))
	} else {
		h, err := ipv6.ParseHeader(b)
		if err != nil || h.PayloadLen < len(b)-ipv6.HeaderLen || requests != nil && h.PayloadLen != len(b)-ipv6.HeaderLen {
			t.Fatalf("%s: %v", name, err)
		}
		what = strings.Replace(what, "ipv4", "ipv6", 1)
		src, dst, proto, hl, total = netip.AddrFrom16([16]byte(h.Src)), netip.AddrFrom16([16]byte(h.Dst)), h.NextHeader, ipv6.HeaderLen, ipv6.HeaderLen+h.PayloadLen
		got = IPv6(*h, make([]byte, total-hl))
	}
	// The header (its checksum too) whether or not a quote is whole;
	// what it carries only when it is.
	same(t, name, what, got[:hl], b[:hl], n)
	if total != len(b) {
		n["truncated quote"]++
		return
	}
	payload := b[hl:]
	switch proto {
	case icmpmsg.ProtoICMP, icmpmsg.ProtoICMPv6:
		checkICMP(t, name, proto, src, dst, payload, requests, n)
	case icmpmsg.ProtoUDP:
		got := UDP(src, dst, port(payload), port(payload[2:]), payload[8:])
		if requests == nil && port(payload[6:]) == partialSum(src, dst, icmpmsg.ProtoUDP, len(payload)) {
			// The quoted datagram crossed a veth with its checksum left
			// to offload: what the router quoted holds the pseudo-header
			// sum the sender's kernel put there.
			binary.BigEndian.PutUint16(got[6:], uint16(port(payload[6:])))
			n["udp with the checksum left to offload"]++
		}
		same(t, name, "udp", got, payload, n)
	case icmpmsg.ProtoTCP:
		hl := int(payload[12]>>4) * 4
		h := TCPHeader{SrcPort: port(payload), DstPort: port(payload[2:]), Seq: binary.BigEndian.Uint32(payload[4:]),
			Ack: binary.BigEndian.Uint32(payload[8:]), Flags: payload[13], Window: port(payload[14:]), Options: payload[20:hl]}
		same(t, name, "tcp", TCP(src, dst, h, payload[hl:]), payload, n)
	}
}

// checkICMP rebuilds the ICMP message b sent from src to dst: an echo
// request as it is, a reply from the request it answers, an error around
// its quote (which it then rebuilds in turn).
func checkICMP(t *testing.T, name string, proto int, src, dst netip.Addr, b []byte, requests map[[2]int][]byte, n rebuilt) {
	t.Helper()
	m, err := icmp.ParseMessage(proto, b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	switch body := m.Body.(type) {
	case *icmp.Echo:
		key := [2]int{body.ID, body.Seq}
		if m.Type == ipv4.ICMPTypeEcho || m.Type == ipv6.ICMPTypeEchoRequest {
			same(t, name, "echo", ICMP(*m, src, dst), b, n)
			if requests != nil {
				requests[key] = b
			}
		} else if req, ok := requests[key]; ok {
			same(t, name, "reply", ICMP(ReplyTo(req), src, dst), b, n)
		}
	case *icmp.PacketTooBig:
		same(t, name, "too big", ICMP(TooBig(true, body.MTU, body.Data), src, dst), b, n)
		checkIP(t, name+" quote", body.Data, nil, n)
	case *icmp.DstUnreach:
		msg := Error(m.Type, m.Code, body.Data)
		if m.Code == 4 && proto == icmpmsg.ProtoICMP {
			msg = TooBig(false, port(b[6:]), body.Data)
		}
		same(t, name, "error", ICMP(msg, src, dst), b, n)
		checkIP(t, name+" quote", body.Data, nil, n)
	case *icmp.TimeExceeded:
		same(t, name, "error", ICMP(Error(m.Type, m.Code, body.Data), src, dst), b, n)
		checkIP(t, name+" quote", body.Data, nil, n)
	}
}

// partialSum is the folded pseudo-header sum Linux puts in a UDP or TCP
// checksum field it leaves for the device to finish.
func partialSum(src, dst netip.Addr, proto, length int) int {
	s := icmpmsg.Sum16(icmpmsg.Sum16(0, src.AsSlice()), dst.AsSlice())
	return int(icmpmsg.Fold(s + uint32(proto) + uint32(length)))
}

func port(b []byte) int { return int(binary.BigEndian.Uint16(b)) }

// same compares a rebuilt layer with the captured one (the builder gets
// the whole packet: only the layer's own bytes must match).
func same(t *testing.T, name, what string, got, want []byte, n rebuilt) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s: %s rebuilt as\n% x\nwant\n% x", name, what, got, want)
		return
	}
	n[what]++
}

// TestReplyToKeepsRequest: the reply built from a request carries its id,
// sequence and data, and the request is not changed.
func TestReplyToKeepsRequest(t *testing.T) {
	req := ICMP(icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: 7, Seq: 9, Data: []byte("netdx")}}, netip.Addr{}, netip.Addr{})
	orig := bytes.Clone(req)
	m := ReplyTo(req)
	m.Body.(*icmp.Echo).Data[0] ^= 0xff
	if !bytes.Equal(req, orig) {
		t.Error("changing the reply changed the request")
	}
	b := ICMP(ReplyTo(req), netip.Addr{}, netip.Addr{})
	if b[0] != 0 || !bytes.Equal(b[4:], req[4:]) || icmpmsg.Checksum(b) != 0 {
		t.Errorf("reply % x to request % x", b, req)
	}
}

// TestWithTTL: the TTL (hop limit) changes and an IPv4 header stays
// valid.
func TestWithTTL(t *testing.T) {
	for _, dst := range []netip.Addr{netip.MustParseAddr("198.18.2.2"), netip.MustParseAddr("2001:db8:2::2")} {
		src := netip.MustParseAddr("198.18.1.1")
		if dst.Is6() {
			src = netip.MustParseAddr("2001:db8:1::1")
		}
		pkt := IP(src, dst, icmpmsg.ProtoUDP, 64, UDP(src, dst, 40000, 33434, []byte("probe")))
		got := WithTTL(pkt, 1)
		if dst.Is4() {
			if h, err := ipv4.ParseHeader(got); err != nil || h.TTL != 1 || icmpmsg.Checksum(got[:h.Len]) != 0 || pkt[8] != 64 {
				t.Errorf("%s: header %v (%v), checksum %#x", dst, h, err, icmpmsg.Checksum(got[:20]))
			}
		} else if h, err := ipv6.ParseHeader(got); err != nil || h.HopLimit != 1 || pkt[7] != 64 {
			t.Errorf("%s: header %v (%v)", dst, h, err)
		}
	}
}
