package probe

import (
	"testing"
	"time"
)

// BenchmarkMatch measures the reply check every received packet goes
// through.
func BenchmarkMatch(b *testing.B) {
	e := Expect{ID: 0x4242, Token: testToken, Size: DefaultPayload}
	reply := replyTo(request(false, 7, 3, time.Now().UnixNano()), false, -1)
	b.ReportAllocs()
	for b.Loop() {
		if v := Match(e, reply, nil); v.Kind != Reply {
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
