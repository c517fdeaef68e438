package sockets

import (
	"encoding/binary"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Sizes of the sock_diag structures (linux/inet_diag.h).
const (
	sizeofInetDiagReqV2 = 56
	sizeofInetDiagMsg   = 72
	inetDiagInfo        = 2  // INET_DIAG_INFO: struct tcp_info
	sockDiagByFamily    = 20 // SOCK_DIAG_BY_FAMILY
)

// TCP states as the kernel numbers them (include/net/tcp_states.h).
var tcpStates = [...]string{
	1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
	6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
	11: "CLOSING", 12: "NEW_SYN_RECV",
}

// StateName is the name of kernel TCP state st; UDP sockets use the same
// numbers, with CLOSE meaning an unconnected socket (named UNCONN, as ss
// does).
func StateName(proto string, st uint8) string {
	if proto == "udp" && st == 7 {
		return "UNCONN"
	}
	if int(st) < len(tcpStates) && tcpStates[st] != "" {
		return tcpStates[st]
	}
	return "UNKNOWN"
}

// stateNumber is the inverse of StateName; ok is false for an unknown name.
func stateNumber(name string) (uint8, bool) {
	if name == "UNCONN" {
		return 7, true
	}
	for i, s := range tcpStates {
		if s != "" && s == name {
			return uint8(i), true
		}
	}
	return 0, false
}

// inetDiagRequest builds an inet_diag_req_v2 for family (AF_INET or
// AF_INET6), protocol (IPPROTO_TCP or IPPROTO_UDP) and a bit mask of states,
// asking for tcp_info when info is set.
func inetDiagRequest(family, protocol uint8, states uint32, info bool) []byte {
	b := make([]byte, sizeofInetDiagReqV2)
	b[0] = family
	b[1] = protocol
	if info {
		b[2] = 1 << (inetDiagInfo - 1)
	}
	binary.NativeEndian.PutUint32(b[4:], states)
	return b
}

// rawSocket is one inet_diag_msg, decoded.
type rawSocket struct {
	Family  uint8
	State   uint8
	Local   netip.AddrPort
	Remote  netip.AddrPort
	IfIndex uint32
	RecvQ   uint32
	SendQ   uint32
	UID     uint32
	Inode   uint32
	Info    *TCPInfo
}

// parseInetDiag decodes one inet_diag_msg and its attributes.
func parseInetDiag(b []byte) (rawSocket, error) {
	var s rawSocket
	if len(b) < sizeofInetDiagMsg {
		return s, ErrTruncated
	}
	s.Family = b[0]
	s.State = b[1]
	sport := binary.BigEndian.Uint16(b[4:])
	dport := binary.BigEndian.Uint16(b[6:])
	var src, dst netip.Addr
	if s.Family == unix.AF_INET6 {
		// v4-mapped addresses of v6 sockets stay visible as such.
		src = netip.AddrFrom16([16]byte(b[8:24]))
		dst = netip.AddrFrom16([16]byte(b[24:40]))
	} else {
		src = netip.AddrFrom4([4]byte(b[8:12]))
		dst = netip.AddrFrom4([4]byte(b[24:28]))
	}
	s.Local = netip.AddrPortFrom(src, sport)
	s.Remote = netip.AddrPortFrom(dst, dport)
	s.IfIndex = binary.NativeEndian.Uint32(b[40:])
	// inet_diag_msg: family, state, timer, retrans (4), id (48),
	// expires, rqueue, wqueue, uid, inode (20).
	s.RecvQ = binary.NativeEndian.Uint32(b[56:])
	s.SendQ = binary.NativeEndian.Uint32(b[60:])
	s.UID = binary.NativeEndian.Uint32(b[64:])
	s.Inode = binary.NativeEndian.Uint32(b[68:])
	err := attrs(b[sizeofInetDiagMsg:], func(typ uint16, val []byte) {
		if typ == inetDiagInfo {
			ti := parseTCPInfo(val)
			s.Info = &ti
		}
	})
	return s, err
}
