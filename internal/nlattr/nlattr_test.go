package nlattr

import (
	"encoding/binary"
	"errors"
	"testing"
)

func attr(typ uint16, val ...byte) []byte {
	b := make([]byte, 4, 4+len(val)+3)
	binary.NativeEndian.PutUint16(b[0:], uint16(4+len(val)))
	binary.NativeEndian.PutUint16(b[2:], typ)
	b = append(b, val...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

type seen struct {
	typ uint16
	val string
}

func walk(t *testing.T, b []byte) ([]seen, error) {
	t.Helper()
	var got []seen
	err := Walk(b, func(typ uint16, val []byte) { got = append(got, seen{typ, string(val)}) })
	return got, err
}

func TestWalk(t *testing.T) {
	msg := append(attr(3, 'e', 't', 'h', '0', 0), attr(0x8000|7, 1, 2, 3, 4)...) // IFLA_IFNAME, a nested attribute
	msg = append(msg, attr(9)...)                                                // empty value
	got, err := walk(t, msg)
	want := []seen{{3, "eth0\x00"}, {7, "\x01\x02\x03\x04"}, {9, ""}}
	if err != nil || len(got) != len(want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("attribute %d: %v, want %v", i, got[i], want[i])
		}
	}
}

// The kernel may end a message on an attribute without its padding; this is
// where nl.ParseRouteAttr would slice past the end.
func TestWalkUnpaddedLast(t *testing.T) {
	msg := append(attr(1, 0xaa, 0xbb, 0xcc, 0xdd), attr(2, 0x01)[:5]...)
	got, err := walk(t, msg)
	if err != nil || len(got) != 2 || got[1] != (seen{2, "\x01"}) {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestWalkTruncated(t *testing.T) {
	for name, b := range map[string][]byte{
		"longer than message": attr(1, 1, 2, 3, 4)[:6],
		"shorter than header": {2, 0, 1, 0, 0, 0, 0, 0},
	} {
		if _, err := walk(t, b); !errors.Is(err, ErrTruncated) {
			t.Errorf("%s: err %v, want ErrTruncated", name, err)
		}
	}
	if got, err := walk(t, []byte{1, 2, 3}); err != nil || len(got) != 0 {
		t.Errorf("a tail shorter than a header is ignored: %v, %v", got, err)
	}
}

func FuzzWalk(f *testing.F) {
	f.Add(append(attr(3, 'l', 'o', 0), attr(4, 1, 0, 0, 0)...))
	f.Add(attr(2, 1)[:5])
	f.Fuzz(func(t *testing.T, b []byte) {
		total := 0
		_ = Walk(b, func(_ uint16, val []byte) { total += len(val) + 4 })
		if total > len(b)+4 {
			t.Fatalf("values add up to %d bytes in a %d-byte message", total, len(b))
		}
	})
}
