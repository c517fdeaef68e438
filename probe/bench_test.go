package probe

import (
	"net/netip"
	"testing"
	"time"

	"netdx/icmpmsg"
	"netdx/internal/packettest"
)

// BenchmarkMatch measures the reply check every received packet goes
// through (icmpmsg.Match, as the engine calls it).
func BenchmarkMatch(b *testing.B) {
	e := icmpmsg.Expect{ID: 0x4242, Token: testToken, Size: DefaultPayload}
	p := Packet{Data: packettest.ICMP(packettest.ReplyTo(request(false, 7, 3, time.Now().UnixNano())), netip.Addr{}, netip.Addr{})}
	b.ReportAllocs()
	for b.Loop() {
		if v := verdict(e, p); v.Kind != icmpmsg.Reply {
			b.Fatal(v)
		}
	}
}

// BenchmarkEchoMarshal measures building one echo request.
func BenchmarkEchoMarshal(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Echo{ID: 0x4242, Seq: 7, Token: testToken, Target: 3, SentNS: 1, Size: DefaultPayload}.Marshal()
	}
}
