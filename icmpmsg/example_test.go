package icmpmsg_test

import (
	"fmt"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"

	"netdx/icmpmsg"
)

// Match is the pure half of reply handling, the same for ping and trace:
// bytes in, verdict out.
func ExampleMatch() {
	token := icmpmsg.Token{1, 2, 3, 4, 5, 6}
	payload := make([]byte, 56)
	icmpmsg.Payload{Token: token, Index: 0, SentNS: 1}.Put(payload)
	reply, _ := (&icmp.Message{Type: ipv4.ICMPTypeEchoReply, Body: &icmp.Echo{ID: 7, Seq: 1, Data: payload}}).Marshal(nil)
	e := icmpmsg.Expect{ID: 7, Token: token, Size: 56}
	v := icmpmsg.Match(e, reply)
	fmt.Println(v.Kind, v.Seq)
	reply[20] ^= 1
	v = icmpmsg.Match(e, reply)
	fmt.Println(v.Kind, v.Cause, v.Reason)
	// Output:
	// reply 1
	// invalid bad_checksum bad checksum
}

// Describe says in words what a traceroute mark means.
func ExampleDescribe() {
	for _, code := range []int{1, 13} {
		mark := icmpmsg.MarkOf(false, icmpmsg.TypeUnreachable, code, 0, false)
		fmt.Println(mark, icmpmsg.Describe(mark))
	}
	mark := icmpmsg.MarkOf(true, icmpmsg.Type6PacketTooBig, 0, 1280, false)
	fmt.Println(mark, icmpmsg.Describe(mark))
	// Output:
	// !H host unreachable
	// !X communication administratively prohibited
	// !F-1280 fragmentation needed, next-hop MTU 1280
}

// An ICMP Destination Unreachable, host unreachable (type 3 code 1),
// quoting a UDP probe, as a router sends it.
func ExampleMessage_Mark() {
	msg := []byte{3, 1, 0, 0, 0, 0, 0, 0,
		0x45, 0, 0, 60, 0, 0, 0x40, 0, 1, 17, 0, 0, 198, 18, 1, 1, 198, 18, 3, 2,
		0x8c, 0x15, 0x82, 0x9a, 0, 40, 0x12, 0x34}
	m, err := icmpmsg.ParseMessage(false, msg)
	if err != nil {
		panic(err)
	}
	q, _ := icmpmsg.ParseQuote(m.Quote)
	sport, dport := q.Ports()
	fmt.Printf("%s for a probe %s:%d > %s:%d\n", m.Mark(false), q.Src, sport, q.Dst, dport)
	// Output: !H for a probe 198.18.1.1:35861 > 198.18.3.2:33434
}
