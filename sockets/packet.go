package sockets

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// packet_diag (linux/packet_diag.h).
const (
	sizeofPacketDiagReq = 20
	sizeofPacketDiagMsg = 16
	packetShowInfo      = 0x1
	packetShowMclist    = 0x2
	packetDiagInfo      = 0
	packetDiagMclist    = 1
	packetDiagUID       = 5
	sizeofMclist        = 44
	packetMrPromisc     = 1 // PACKET_MR_PROMISC
)

// PacketSocket is an AF_PACKET socket: something capturing frames.
type PacketSocket struct {
	Inode uint32 `json:"inode"`
	// Type is "raw" (SOCK_RAW, whole frames) or "dgram" (cooked).
	Type string `json:"type"`
	// Protocol is the Ethertype the socket receives, "all" for ETH_P_ALL.
	Protocol string `json:"protocol"`
	// IfIndex is the interface the socket is bound to, 0 for every one;
	// Interface its name ("" for all).
	IfIndex   int    `json:"ifindex"`
	Interface string `json:"interface"`
	// Promisc is true when the socket asked for promiscuous mode
	// (PACKET_ADD_MEMBERSHIP with PACKET_MR_PROMISC) on PromiscIfIndex.
	// PromiscKnown is false when only /proc/net/packet could be read, which
	// does not say.
	Promisc        bool   `json:"promisc"`
	PromiscKnown   bool   `json:"promisc_known"`
	PromiscIfIndex int    `json:"promisc_ifindex,omitempty"`
	UID            uint32 `json:"uid"`
	User           string `json:"user,omitempty"`
	Owner
	Others []Owner `json:"other_owners,omitempty"`
}

func packetDiagRequest() []byte {
	b := make([]byte, sizeofPacketDiagReq)
	b[0] = unix.AF_PACKET
	binary.NativeEndian.PutUint32(b[8:], packetShowInfo|packetShowMclist)
	return b
}

// parsePacketDiag decodes one packet_diag_msg and its attributes.
func parsePacketDiag(b []byte) (PacketSocket, error) {
	var p PacketSocket
	if len(b) < sizeofPacketDiagMsg {
		return p, ErrTruncated
	}
	p.Type = packetType(b[1])
	p.Protocol = ethertype(binary.NativeEndian.Uint16(b[2:])) // the kernel stores ntohs(num)
	p.Inode = binary.NativeEndian.Uint32(b[4:])
	p.PromiscKnown = true
	var bad error
	err := attrs(b[sizeofPacketDiagMsg:], func(typ uint16, val []byte) {
		switch typ {
		case packetDiagInfo:
			if len(val) < 4 {
				bad = ErrTruncated
				return
			}
			p.IfIndex = int(binary.NativeEndian.Uint32(val))
		case packetDiagUID:
			if len(val) < 4 {
				bad = ErrTruncated
				return
			}
			p.UID = binary.NativeEndian.Uint32(val)
		case packetDiagMclist:
			for ; len(val) >= sizeofMclist; val = val[sizeofMclist:] {
				if binary.NativeEndian.Uint16(val[8:]) == packetMrPromisc {
					p.Promisc = true
					p.PromiscIfIndex = int(binary.NativeEndian.Uint32(val))
				}
			}
		}
	})
	if err == nil {
		err = bad
	}
	return p, err
}

func packetType(t uint8) string {
	switch t {
	case unix.SOCK_RAW:
		return "raw"
	case unix.SOCK_DGRAM:
		return "dgram"
	}
	return strconv.Itoa(int(t))
}

func ethertype(p uint16) string {
	switch p {
	case 0:
		return "none"
	case unix.ETH_P_ALL:
		return "all"
	case unix.ETH_P_IP:
		return "ip"
	case unix.ETH_P_IPV6:
		return "ipv6"
	case unix.ETH_P_ARP:
		return "arp"
	}
	return fmt.Sprintf("0x%04x", p)
}

// ParseProcPacket reads /proc/net/packet, the fallback when packet_diag is
// missing (CONFIG_PACKET_DIAG). It cannot tell promiscuous mode.
// Columns: sk RefCnt Type Proto Iface R Rmem User Inode.
func ParseProcPacket(b []byte) ([]PacketSocket, error) {
	var out []PacketSocket
	sc := bufio.NewScanner(bytes.NewReader(b))
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			first = false
			if strings.HasPrefix(line, "sk") {
				continue
			}
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 9 {
			return out, fmt.Errorf("sockets: /proc/net/packet: short line %q", line)
		}
		typ, err1 := strconv.ParseUint(f[2], 10, 8)
		proto, err2 := strconv.ParseUint(f[3], 16, 16)
		ifi, err3 := strconv.ParseInt(f[4], 10, 32)
		uid, err4 := strconv.ParseUint(f[7], 10, 32)
		ino, err5 := strconv.ParseUint(f[8], 10, 32)
		for _, err := range []error{err1, err2, err3, err4, err5} {
			if err != nil {
				return out, fmt.Errorf("sockets: /proc/net/packet: line %q: %w", line, err)
			}
		}
		out = append(out, PacketSocket{
			Inode:    uint32(ino),
			Type:     packetType(uint8(typ)),
			Protocol: ethertype(uint16(proto)), // the kernel prints it host-order,
			IfIndex:  int(ifi),
			UID:      uint32(uid),
		})
	}
	return out, sc.Err()
}
