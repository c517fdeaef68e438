package probe

import (
	"path/filepath"
	"testing"
)

// FuzzMatch feeds arbitrary ICMP messages to the reply matcher: it must
// never panic, and whatever it accepts as a reply must carry our token.
func FuzzMatch(f *testing.F) {
	const sent = int64(1700000000123456789)
	f.Add(replyTo(request(false, 7, 3, sent), false, -1), false, false)
	f.Add(replyTo(request(true, 7, 3, sent), true, -1), true, false)
	f.Add(replyTo(request(false, 7, 3, sent), false, 0x1111), false, true)
	f.Add([]byte{11, 0, 0, 0, 0, 0, 0, 0, 0x45, 0, 0, 84, 0, 0, 0, 0, 1, 1, 0, 0, 198, 18, 1, 1, 198, 18, 2, 2, 8, 0, 0, 0, 0x42, 0x42, 0, 1}, false, false)
	f.Add([]byte{3, 0, 0, 0, 0, 0, 0, 0, 0x60, 0, 0, 0, 0, 8, 58, 1}, true, false)
	f.Fuzz(func(t *testing.T, data []byte, v6, datagram bool) {
		e := Expect{V6: v6, ID: 0x4242, Datagram: datagram, Token: testToken, Size: DefaultPayload}
		for _, q := range []*QueuedError{nil, {Type: 11}} {
			v := Match(e, data, q)
			if v.Kind == Reply && (len(data) != 8+DefaultPayload || Token(data[8:14]) != testToken) {
				t.Fatalf("accepted a reply without our token: %x", data)
			}
			if v.Kind == Reply && v.Target < 0 {
				t.Fatalf("reply without target: %+v", v)
			}
		}
		_, _ = QuotedDst(v6, data)
	})
}

// FuzzControl feeds arbitrary control data and raw IPv4 packets to the
// socket-side parsers.
func FuzzControl(f *testing.F) {
	f.Add([]byte{32, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 35, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, 198, 18, 2, 2, 198, 18, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1})
	// Real control data and raw packets captured in the lab.
	paths, _ := filepath.Glob(filepath.Join("testdata", "captured", "*.txt"))
	for _, path := range paths {
		fx := readFixture(f, path)
		f.Add(fx.oob)
		f.Add(fx.data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = parseControl(false, b)
		_ = parseControl(true, b)
		_, _, _ = parseExtendedErr(b)
		if data, ttl, err := stripIPv4(b); err == nil && (len(data) > len(b) || ttl < 0) {
			t.Fatalf("stripIPv4 returned %d bytes of %d, ttl %d", len(data), len(b), ttl)
		}
	})
}
