package probe

import (
	"path/filepath"
	"testing"
)

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
