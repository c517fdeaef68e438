package probe

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Mode selects the kind of ICMP socket.
type Mode int

// The socket modes of the privileges ladder.
const (
	// ModeAuto opens a raw socket when permitted, else a datagram socket.
	ModeAuto Mode = iota
	// ModeRaw needs CAP_NET_RAW: full control of the echo id, TTL, TOS
	// and DF, and every ICMP message the host receives.
	ModeRaw
	// ModeDatagram needs net.ipv4.ping_group_range to admit the user; the
	// kernel rewrites the echo id and delivers only this socket's replies.
	ModeDatagram
)

func (m Mode) String() string {
	switch m {
	case ModeAuto:
		return "auto"
	case ModeRaw:
		return "raw"
	case ModeDatagram:
		return "datagram"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ErrPermission is returned (wrapped) by Listen when the process may open
// neither a raw nor a datagram ICMP socket.
var ErrPermission = errors.New("probe: no permission to open an ICMP socket")

// ErrMalformed is returned (wrapped) by ReadPacket for a packet it cannot
// decode; the Conn stays usable.
var ErrMalformed = errors.New("probe: malformed packet")

// ErrZone is returned (wrapped) for an IPv6 zone that names no interface
// (ping fe80::1%nosuch).
var ErrZone = errors.New("probe: unknown zone")

// ErrUnsupported is returned by Listen on systems other than Linux.
var ErrUnsupported = errors.New("probe: ICMP sockets are only supported on linux")

// permissionFix is the advice every permission error carries.
const permissionFix = "run as root, or grant the capability with `setcap cap_net_raw+ep $(which netdx)`, " +
	"or admit your group to unprivileged ICMP with `sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"`"

// ConnConfig configures Listen. The zero value is an ICMPv4 socket of the
// best mode permitted, bound to no address or interface.
type ConnConfig struct {
	IPv6      bool       // false: ICMPv4, true: ICMPv6
	Mode      Mode       // socket kind; ModeAuto tries raw, then datagram
	Source    netip.Addr // bind address; zero = any
	Interface string     // SO_BINDTODEVICE; "" = none
	// ReadBuffer is the socket receive buffer in bytes; 0 picks one large
	// enough for replies from thousands of targets arriving together.
	ReadBuffer int
}

// WriteOptions are per-packet IP settings for WriteTo. The zero value
// keeps the kernel's defaults.
type WriteOptions struct {
	TTL          int  // TTL / hop limit; 0 = default
	TOS          int  // IPv4 TOS / IPv6 traffic class; 0 = default
	DontFragment bool // set DF, never fragment (IP_PMTUDISC_DO, ping -M do)
	// AllowFragment clears DF and lets the kernel fragment
	// (IP_PMTUDISC_DONT, ping -M dont). Neither: the kernel's default.
	AllowFragment bool
	// ProbeMTU sets DF and ignores the path MTU the kernel learnt
	// (IP_PMTUDISC_PROBE, ping -M probe).
	ProbeMTU bool
}

// Packet is one message read from a Conn.
type Packet struct {
	Src netip.Addr // who sent it (for a queued error: the router that reported it)
	// Data is the ICMP message (type, code, checksum, body) without IP
	// header; it aliases the caller's buffer. For a queued error (see
	// Queued) it is the message we sent, as much as the error quoted.
	Data       []byte
	At         time.Time // kernel receive timestamp when KernelTime, else time.Now() after the read
	KernelTime bool
	TTL        int // TTL / hop limit of the received packet, -1 if unknown
	// Queued is set for an ICMP error that a datagram socket received on
	// its error queue (IP_RECVERR): the kernel keeps the ICMP header to
	// itself and hands over the type, code and the quoted message.
	Queued *QueuedError
	// To is, for a queued error, the destination of the message we sent.
	To netip.Addr
}

// QueuedError is an ICMP error taken from a socket's error queue.
type QueuedError struct {
	Type, Code int    // ICMP (or ICMPv6) type and code of the error
	Info       uint32 // the error's extra field: the MTU of Fragmentation Needed / Packet Too Big
}
