package netlab

import (
	"encoding/binary"
	"net/netip"
)

// ICMPFrom returns a LinkConfig.DelayOnly filter that accepts the Ethernet
// frames carrying ICMP or ICMPv6 messages sent from one of addrs: a link
// with it delays only a router's own ICMP (its Time Exceeded, unreachables
// and echo replies), as a router that deprioritises the ICMP it generates
// does, while forwarded traffic crosses at once.
func ICMPFrom(addrs ...netip.Addr) func(frame []byte) bool {
	return func(f []byte) bool {
		if len(f) < 14 {
			return false
		}
		ip := f[14:]
		var src netip.Addr
		switch binary.BigEndian.Uint16(f[12:14]) {
		case 0x0800:
			if len(ip) < 20 || ip[9] != 1 {
				return false
			}
			src = netip.AddrFrom4([4]byte(ip[12:16]))
		case 0x86dd:
			if len(ip) < 40 || ip[6] != 58 {
				return false
			}
			src = netip.AddrFrom16([16]byte(ip[8:24]))
		default:
			return false
		}
		for _, a := range addrs {
			if a == src {
				return true
			}
		}
		return false
	}
}

// neighbourFrame reports whether an Ethernet frame is ARP or IPv6
// neighbour discovery (ICMPv6 types 133–137): what a link's bursts spare.
func neighbourFrame(f []byte) bool {
	if len(f) < 14 {
		return false
	}
	switch binary.BigEndian.Uint16(f[12:14]) {
	case 0x0806:
		return true
	case 0x86dd:
		ip := f[14:]
		return len(ip) > 40 && ip[6] == 58 && ip[40] >= 133 && ip[40] <= 137
	}
	return false
}
