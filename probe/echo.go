package probe

import (
	"fmt"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"netdx/icmpmsg"
)

// An echo request carries icmpmsg's payload: the run's random token, the
// target's index in the run, the send time and a fill pattern; a reply
// must give back all of it unchanged to count (icmpmsg.Match).
const (
	// MinPayload is the smallest payload (-s) that carries the token,
	// target index and send time.
	MinPayload = icmpmsg.MinPayload
	// DefaultPayload is the payload size of iputils ping and fping.
	DefaultPayload = 56
	// MaxTargets is how many targets one run can address.
	MaxTargets = 1 << 16
)

// Echo is one echo request to marshal.
type Echo struct {
	V6     bool
	ID     int
	Seq    int
	Token  icmpmsg.Token
	Target int   // index in the run
	SentNS int64 // send time written into the payload
	Size   int   // payload bytes, at least MinPayload
}

// Marshal returns the ICMP echo request, built by x/net's icmp.Message,
// with the ICMPv4 checksum filled (the kernel fills ICMPv6's).
func (e Echo) Marshal() []byte {
	p := make([]byte, max(e.Size, MinPayload))
	icmpmsg.Payload{Token: e.Token, Index: uint16(e.Target), SentNS: e.SentNS}.Put(p)
	m := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: e.ID, Seq: e.Seq, Data: p}}
	if e.V6 {
		m.Type = ipv6.ICMPTypeEchoRequest
	}
	b, err := m.Marshal(nil)
	if err != nil {
		// icmp fails only for a type of neither ICMP version.
		panic(fmt.Sprintf("probe: marshal echo request: %v", err))
	}
	return b
}
