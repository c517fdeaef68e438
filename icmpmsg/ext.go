package icmpmsg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/net/icmp"
)

// ErrBadExtension is returned (wrapped) for an RFC 4884 extension
// structure that cannot be decoded.
var ErrBadExtension = errors.New("icmpmsg: bad icmp extension")

// Extensions are the RFC 4884 extension objects of an ICMP error.
type Extensions struct {
	// MPLS is the incoming label stack (RFC 4950), top label first.
	MPLS []MPLSLabel `json:"mpls,omitempty"`
	// Interfaces is the interface information (RFC 5837).
	Interfaces []InterfaceInfo `json:"interfaces,omitempty"`
	// Unknown lists the class/c-type of objects icmpmsg does not decode.
	Unknown []ObjectType `json:"unknown_objects,omitempty"`

	checksumOK bool // the structure's checksum is there, and right
	unsummed   bool // its checksum field is zero: none computed
	odd        OddityCounts
}

// Oddities counts what in the structure departs from the RFCs and was
// read leniently.
func (e *Extensions) Oddities() OddityCounts { return e.odd }

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
//
// golang.org/x/net/icmp decodes the objects icmpmsg reads (RFC 4950 label
// stacks, RFC 5837 interface information). The structure is checked here
// first, because x/net has no parser for a structure on its own and,
// inside a message, silently stops at a malformed object or folds the
// whole structure into the quote, where icmpmsg reports ErrBadExtension or
// ErrTruncated and keeps the quote (see ParseMessage).
func ParseExtensions(b []byte) (*Extensions, error) {
	return parseExtensions(b, nil)
}

// object is one extension object as the structure frames it.
type object struct {
	class, ctype int
	raw          []byte // header included
	// name is the RFC 5837 interface name without its NUL padding; it is
	// read here because x/net also strips leading NULs and rejects name
	// sub-objects over 64 bytes (RFC 5837's limit) that netdx has always
	// shown. nameAt and nameLen locate the sub-object in raw; nameOdd
	// says its length octet is not a multiple of 4 (x/net refuses it).
	name            string
	nameAt, nameLen int
	nameOdd         bool
}

// viaXNet reports whether x/net decodes o; other objects are listed by
// class and c-type only.
func (o *object) viaXNet() bool {
	return o.class == classMPLS && o.ctype == 1 || o.class == classInterface
}

// parseExtensions decodes the structure b. xs, when it has one entry per
// object, is x/net's decoding of the same structure from
// icmp.ParseMessage; otherwise the objects are handed to x/net here.
func parseExtensions(b []byte, xs []icmp.Extension) (*Extensions, error) {
	e, objs, err := frameExtensions(b)
	if err != nil {
		return nil, err
	}
	if len(xs) != len(objs) {
		if xs, err = decodeObjects(objs); err != nil {
			return nil, err
		}
	}
	for i := range objs {
		o := &objs[i]
		if !o.viaXNet() {
			e.Unknown = append(e.Unknown, ObjectType{Class: o.class, CType: o.ctype})
			continue
		}
		switch x := xs[i].(type) {
		case *icmp.MPLSLabelStack:
			for _, l := range x.Labels {
				e.MPLS = append(e.MPLS, MPLSLabel{Label: l.Label, TC: l.TC, S: l.S, TTL: l.TTL})
			}
		case *icmp.InterfaceInfo:
			ii := InterfaceInfo{Role: interfaceRoles[o.ctype>>6], Name: o.name}
			if x.Interface != nil {
				ii.Index, ii.MTU = x.Interface.Index, x.Interface.MTU
			}
			if x.Addr != nil {
				ii.Addr, _ = netip.AddrFromSlice(x.Addr.IP)
			}
			e.Interfaces = append(e.Interfaces, ii)
		default:
			return nil, fmt.Errorf("%w: class %d c-type %d decoded by x/net as %T", ErrBadExtension, o.class, o.ctype, x)
		}
	}
	return e, nil
}

// decodeObjects has x/net decode the objects of objs it knows: they are
// put after a 128-byte original datagram in a Time Exceeded, the only
// form icmp.ParseMessage reads extensions from. The result has one entry
// per object, nil for those left to icmpmsg.
func decodeObjects(objs []object) ([]icmp.Extension, error) {
	msg := make([]byte, 8+128, 8+128+4+128)
	msg[0], msg[5] = TypeTimeExceeded, 128/4
	// Checksum zero: the real one is checked in frameExtensions.
	msg = append(msg, 2<<4, 0, 0, 0)
	n := 0
	for i := range objs {
		o := &objs[i]
		if !o.viaXNet() {
			continue
		}
		n++
		if o.nameLen <= 64 && !o.nameOdd {
			msg = append(msg, o.raw...)
			continue
		}
		// Leave the oversized or unaligned name out (frameInterfaceInfo
		// read it), so that x/net decodes the rest.
		at := len(msg)
		msg = append(msg, o.raw[:o.nameAt]...)
		msg = append(msg, o.raw[o.nameAt+o.nameLen:]...)
		binary.BigEndian.PutUint16(msg[at:], uint16(len(o.raw)-o.nameLen))
		msg[at+3] &^= 0x02
	}
	xs := make([]icmp.Extension, len(objs))
	if n == 0 {
		return xs, nil
	}
	m, err := icmp.ParseMessage(ProtoICMP, msg)
	if err != nil {
		return nil, fmt.Errorf("%w: x/net: %v", ErrBadExtension, err)
	}
	te, _ := m.Body.(*icmp.TimeExceeded)
	if te == nil || len(te.Extensions) != n {
		return nil, fmt.Errorf("%w: x/net decoded %T, not %d objects", ErrBadExtension, m.Body, n)
	}
	for i, j := 0, 0; i < len(objs); i++ {
		if objs[i].viaXNet() {
			xs[i], j = te.Extensions[j], j+1
		}
	}
	return xs, nil
}

// frameExtensions checks the structure b: its header, the length of each
// object, and the layout of the objects icmpmsg decodes.
func frameExtensions(b []byte) (*Extensions, []object, error) {
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("%w: %d bytes", ErrTruncated, len(b))
	}
	if v := b[0] >> 4; v != 2 {
		return nil, nil, fmt.Errorf("%w: version %d", ErrBadExtension, v)
	}
	e := &Extensions{}
	sum := binary.BigEndian.Uint16(b[2:])
	// A zero checksum means the sender did not compute one.
	e.checksumOK = sum != 0 && Checksum(b) == 0
	e.unsummed = sum == 0
	var objs []object
	for rest := b[4:]; len(rest) > 0; {
		if len(rest) < 4 {
			return nil, nil, fmt.Errorf("%w: object header of %d bytes", ErrTruncated, len(rest))
		}
		n := int(binary.BigEndian.Uint16(rest))
		if n < 4 || n > len(rest) {
			return nil, nil, fmt.Errorf("%w: object length %d of %d bytes", ErrBadExtension, n, len(rest))
		}
		o := object{class: int(rest[2]), ctype: int(rest[3]), raw: rest[:n]}
		rest = rest[n:]
		switch body := o.raw[4:]; {
		case o.class == classMPLS && o.ctype == 1:
			if len(body)%4 != 0 {
				return nil, nil, fmt.Errorf("%w: mpls stack of %d bytes", ErrBadExtension, len(body))
			}
		case o.class == classInterface:
			if err := o.frameInterfaceInfo(body); err != nil {
				return nil, nil, err
			}
			if o.nameOdd {
				e.odd.Add(UnalignedName, 1)
			}
		}
		objs = append(objs, o)
	}
	return e, objs, nil
}

// frameInterfaceInfo checks an RFC 5837 object body b: the c-type holds
// the interface role (2 bits) and flags for the sub-objects present, in
// the order ifIndex, IP address, name, MTU. It reads the name.
func (o *object) frameInterfaceInfo(b []byte) error {
	short := func(what string) error {
		return fmt.Errorf("%w: interface information: %s needs more than %d bytes", ErrTruncated, what, len(b))
	}
	if o.ctype&0x08 != 0 {
		if len(b) < 4 {
			return short("ifindex")
		}
		b = b[4:]
	}
	if o.ctype&0x04 != 0 {
		if len(b) < 4 {
			return short("address")
		}
		switch afi := binary.BigEndian.Uint16(b); afi {
		case 1:
			if len(b) < 8 {
				return short("ipv4 address")
			}
			b = b[8:]
		case 2:
			if len(b) < 20 {
				return short("ipv6 address")
			}
			b = b[20:]
		default:
			return fmt.Errorf("%w: interface address family %d", ErrBadExtension, afi)
		}
	}
	if o.ctype&0x02 != 0 {
		if len(b) < 1 {
			return short("name")
		}
		n, odd, err := nameLength(b, o.ctype&0x01 != 0)
		if err != nil {
			return err
		}
		name := b[1:n]
		for len(name) > 0 && name[len(name)-1] == 0 {
			name = name[:len(name)-1]
		}
		o.name, o.nameAt, o.nameLen, o.nameOdd = string(name), len(o.raw)-len(b), n, odd
		b = b[n:]
	}
	if o.ctype&0x01 != 0 && len(b) < 4 {
		return short("mtu")
	}
	return nil
}

// nameLength is how many bytes the RFC 5837 name sub-object at the start
// of b takes, its length octet included, and whether that octet is odd:
// not the multiple of 4 RFC 5837 asks for. mtu says an MTU sub-object (4
// bytes) follows. An odd length is read leniently, as Wireshark and scapy
// read it: when the object has room for exactly that length rounded up to
// 4, the sender counted without the padding or without the length octet
// (Wireshark issue 6632's capture: 63 for a 64-byte sub-object holding a
// 63-byte name) and the sub-object is the rounded length; otherwise it is
// the length as given.
func nameLength(b []byte, mtu bool) (n int, odd bool, err error) {
	n = int(b[0])
	if n < 1 || n > len(b) {
		return 0, false, fmt.Errorf("%w: interface name length %d of %d bytes", ErrBadExtension, n, len(b))
	}
	if n%4 == 0 {
		return n, false, nil
	}
	room := len(b)
	if mtu {
		room -= 4
	}
	if up := (n + 3) &^ 3; up == room {
		n = up
	}
	return n, true, nil
}
