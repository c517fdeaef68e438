package trace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// ErrBadExtension is returned (wrapped) for an RFC 4884 extension
// structure that cannot be decoded.
var ErrBadExtension = errors.New("trace: bad icmp extension")

// Extensions are the RFC 4884 extension objects of an ICMP error.
type Extensions struct {
	// MPLS is the incoming label stack (RFC 4950), top label first.
	MPLS []MPLSLabel `json:"mpls,omitempty"`
	// Interfaces is the interface information (RFC 5837).
	Interfaces []InterfaceInfo `json:"interfaces,omitempty"`
	// Unknown lists the class/c-type of objects trace does not decode.
	Unknown []ObjectType `json:"unknown_objects,omitempty"`

	checksumOK bool
}

// MPLSLabel is one entry of an MPLS label stack.
type MPLSLabel struct {
	Label int  `json:"label"`
	TC    int  `json:"tc"`
	S     bool `json:"s"`
	TTL   int  `json:"ttl"`
}

// InterfaceInfo is an RFC 5837 interface information object: which
// interface of the router the object describes and what it knows of it.
type InterfaceInfo struct {
	// Role: "incoming", "sub-ip", "outgoing" or "next-hop".
	Role  string     `json:"role"`
	Index int        `json:"ifindex,omitempty"`
	Addr  netip.Addr `json:"addr,omitzero"`
	Name  string     `json:"name,omitempty"`
	MTU   int        `json:"mtu,omitempty"`
}

// ObjectType is an extension object's class and c-type.
type ObjectType struct {
	Class int `json:"class"`
	CType int `json:"ctype"`
}

// Extension object classes.
const (
	classMPLS      = 1 // RFC 4950
	classInterface = 2 // RFC 5837
)

var interfaceRoles = [4]string{"incoming", "sub-ip", "outgoing", "next-hop"}

// ParseExtensions decodes an RFC 4884 extension structure: a 4-byte
// header (version 2, checksum) and objects of length, class and c-type.
func ParseExtensions(b []byte) (*Extensions, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: %d bytes", ErrTruncated, len(b))
	}
	if v := b[0] >> 4; v != 2 {
		return nil, fmt.Errorf("%w: version %d", ErrBadExtension, v)
	}
	e := &Extensions{}
	sum := binary.BigEndian.Uint16(b[2:])
	// A zero checksum means the sender did not compute one.
	e.checksumOK = sum != 0 && checksum(b) == 0
	for rest := b[4:]; len(rest) > 0; {
		if len(rest) < 4 {
			return nil, fmt.Errorf("%w: object header of %d bytes", ErrTruncated, len(rest))
		}
		n := int(binary.BigEndian.Uint16(rest))
		if n < 4 || n > len(rest) {
			return nil, fmt.Errorf("%w: object length %d of %d bytes", ErrBadExtension, n, len(rest))
		}
		class, ctype, body := int(rest[2]), int(rest[3]), rest[4:n]
		rest = rest[n:]
		switch {
		case class == classMPLS && ctype == 1:
			if len(body)%4 != 0 {
				return nil, fmt.Errorf("%w: mpls stack of %d bytes", ErrBadExtension, len(body))
			}
			for i := 0; i+4 <= len(body); i += 4 {
				v := binary.BigEndian.Uint32(body[i:])
				e.MPLS = append(e.MPLS, MPLSLabel{
					Label: int(v >> 12), TC: int(v>>9) & 7, S: v&0x100 != 0, TTL: int(v & 0xff),
				})
			}
		case class == classInterface:
			ii, err := parseInterfaceInfo(ctype, body)
			if err != nil {
				return nil, err
			}
			e.Interfaces = append(e.Interfaces, ii)
		default:
			e.Unknown = append(e.Unknown, ObjectType{Class: class, CType: ctype})
		}
	}
	return e, nil
}

// parseInterfaceInfo decodes an RFC 5837 object: the c-type holds the
// interface role (2 bits) and flags for the sub-objects present, in the
// order ifIndex, IP address, name, MTU.
func parseInterfaceInfo(ctype int, b []byte) (InterfaceInfo, error) {
	ii := InterfaceInfo{Role: interfaceRoles[ctype>>6]}
	short := func(what string) error {
		return fmt.Errorf("%w: interface information: %s needs more than %d bytes", ErrTruncated, what, len(b))
	}
	if ctype&0x08 != 0 {
		if len(b) < 4 {
			return ii, short("ifindex")
		}
		ii.Index, b = int(binary.BigEndian.Uint32(b)), b[4:]
	}
	if ctype&0x04 != 0 {
		if len(b) < 4 {
			return ii, short("address")
		}
		switch afi := binary.BigEndian.Uint16(b); afi {
		case 1:
			if len(b) < 8 {
				return ii, short("ipv4 address")
			}
			ii.Addr, b = netip.AddrFrom4([4]byte(b[4:8])), b[8:]
		case 2:
			if len(b) < 20 {
				return ii, short("ipv6 address")
			}
			ii.Addr, b = netip.AddrFrom16([16]byte(b[4:20])), b[20:]
		default:
			return ii, fmt.Errorf("%w: interface address family %d", ErrBadExtension, afi)
		}
	}
	if ctype&0x02 != 0 {
		if len(b) < 1 {
			return ii, short("name")
		}
		n := int(b[0])
		if n < 1 || n > len(b) || n%4 != 0 {
			return ii, fmt.Errorf("%w: interface name length %d", ErrBadExtension, n)
		}
		name := b[1:n]
		for len(name) > 0 && name[len(name)-1] == 0 {
			name = name[:len(name)-1]
		}
		ii.Name, b = string(name), b[n:]
	}
	if ctype&0x01 != 0 {
		if len(b) < 4 {
			return ii, short("mtu")
		}
		ii.MTU = int(binary.BigEndian.Uint32(b))
	}
	return ii, nil
}

// checksum is the Internet checksum of b (RFC 1071).
func checksum(b []byte) uint16 {
	return ^fold(sum16(0, b))
}

// sum16 adds b to s as 16-bit big-endian words, without folding.
func sum16(s uint32, b []byte) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

// fold folds the carries of s into 16 bits.
func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}
