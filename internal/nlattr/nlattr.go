// Package nlattr walks the attributes (struct nlattr, struct rtattr) of the
// netlink messages the kernel sends netdx: interface dumps and sock_diag
// answers.
//
// It exists because vishvananda/netlink's nl.ParseRouteAttr slices past the
// end of its buffer when the last attribute has no padding, so it panics on
// input netdx must survive (fuzzed here); the walk is also allocation-free,
// which matters at tens of thousands of sockets.
//
// Privileges: none. Safe for concurrent use.
package nlattr

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrTruncated is returned for an attribute whose length is impossible:
// shorter than its header or longer than what is left of the message.
var ErrTruncated = errors.New("nlattr: truncated attribute")

// typeMask clears the NLA_F_NESTED and NLA_F_NET_BYTEORDER bits.
const typeMask = 0x3fff

// Walk calls fn with the type (flag bits cleared) and value of each
// attribute in b, in order. Values alias b. Trailing bytes too short for an
// attribute header are ignored, as the kernel's own parser does.
func Walk(b []byte, fn func(typ uint16, val []byte)) error {
	for len(b) >= 4 {
		l := int(binary.NativeEndian.Uint16(b[0:]))
		typ := binary.NativeEndian.Uint16(b[2:]) & typeMask
		if l < 4 || l > len(b) {
			return fmt.Errorf("%w: length %d, %d bytes left", ErrTruncated, l, len(b))
		}
		fn(typ, b[4:l])
		next := (l + 3) &^ 3
		if next >= len(b) {
			return nil
		}
		b = b[next:]
	}
	return nil
}
