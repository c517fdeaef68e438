package link

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"

	"golang.org/x/sys/unix"

	"netdx/internal/nlattr"
)

// ErrTruncated is returned by the parsers for a message shorter than the
// structure it must hold.
var ErrTruncated = errors.New("link: truncated netlink message")

const sizeofIfInfomsg = 16

// parseLinkMessage decodes one RTM_NEWLINK message (struct ifinfomsg and
// its IFLA_* attributes) as the kernel sends it in a link dump.
func parseLinkMessage(b []byte) (Link, error) {
	var l Link
	if len(b) < sizeofIfInfomsg {
		return l, ErrTruncated
	}
	arphrd := binary.NativeEndian.Uint16(b[2:])
	l.Index = int(int32(binary.NativeEndian.Uint32(b[4:])))
	raw := binary.NativeEndian.Uint32(b[8:])
	l.RawFlags = raw
	l.Flags = flagNames(raw)
	l.PromiscFlag = raw&unix.IFF_PROMISC != 0
	l.Up = raw&unix.IFF_UP != 0
	l.Carrier = raw&unix.IFF_LOWER_UP != 0
	l.Type = arphrdName(arphrd)
	var bad error
	have64 := false
	err := attrs(b[sizeofIfInfomsg:], func(typ uint16, v []byte) {
		switch typ {
		case unix.IFLA_IFNAME:
			l.Name = cString(v)
		case unix.IFLA_MTU:
			l.MTU = int(u32(v, &bad))
		case unix.IFLA_MASTER:
			l.MasterIndex = int(u32(v, &bad))
		case unix.IFLA_OPERSTATE:
			if len(v) < 1 {
				bad = ErrTruncated
				return
			}
			l.OperState = operState(v[0])
		case unix.IFLA_PROMISCUITY:
			l.Promiscuity = u32(v, &bad)
		case unix.IFLA_ALLMULTI:
			l.Allmulti = u32(v, &bad)
		case unix.IFLA_CARRIER:
			if len(v) < 1 {
				bad = ErrTruncated
				return
			}
			l.Carrier = v[0] != 0
		case unix.IFLA_CARRIER_CHANGES:
			l.CarrierChanges = u32(v, &bad)
		case unix.IFLA_ADDRESS:
			if len(v) > 0 {
				l.Address = net.HardwareAddr(v).String()
			}
		case unix.IFLA_STATS64:
			l.Stats, have64 = parseStats64(v), true
		case unix.IFLA_STATS:
			if !have64 {
				l.Stats = parseStats32(v)
			}
		case unix.IFLA_LINKINFO:
			_ = attrs(v, func(t uint16, iv []byte) {
				if t == unix.IFLA_INFO_KIND {
					l.Kind = cString(iv)
				}
			})
		}
	})
	if err == nil {
		err = bad
	}
	if l.Kind != "" {
		l.Type = l.Kind
	}
	return l, err
}

// parseStats64 decodes struct rtnl_link_stats64; fields a kernel does not
// send (rx_nohandler before 4.6, rx_otherhost_dropped before 5.19) stay 0.
func parseStats64(v []byte) Stats {
	var f [25]uint64
	for i := range f {
		if (i+1)*8 > len(v) {
			break
		}
		f[i] = binary.NativeEndian.Uint64(v[i*8:])
	}
	return statsFrom(f)
}

// parseStats32 decodes the old struct rtnl_link_stats, for kernels or
// drivers that send no IFLA_STATS64; same fields, 32 bits each.
func parseStats32(v []byte) Stats {
	var f [25]uint64
	for i := range f {
		if (i+1)*4 > len(v) {
			break
		}
		f[i] = uint64(binary.NativeEndian.Uint32(v[i*4:]))
	}
	return statsFrom(f)
}

func statsFrom(f [25]uint64) Stats {
	return Stats{
		RxPackets: f[0], TxPackets: f[1], RxBytes: f[2], TxBytes: f[3],
		RxErrors: f[4], TxErrors: f[5], RxDropped: f[6], TxDropped: f[7],
		Multicast: f[8], Collisions: f[9],
		RxLengthErrors: f[10], RxOverErrors: f[11], RxCRCErrors: f[12],
		RxFrameErrors: f[13], RxFIFOErrors: f[14], RxMissedErrors: f[15],
		TxAbortedErrors: f[16], TxCarrierErrors: f[17], TxFIFOErrors: f[18],
		TxHeartbeatErrors: f[19], TxWindowErrors: f[20],
		RxCompressed: f[21], TxCompressed: f[22],
		RxNoHandler: f[23], RxOtherhostDropped: f[24],
	}
}

func u32(v []byte, bad *error) uint32 {
	if len(v) < 4 {
		*bad = ErrTruncated
		return 0
	}
	return binary.NativeEndian.Uint32(v)
}

func cString(v []byte) string {
	for i, c := range v {
		if c == 0 {
			return string(v[:i])
		}
	}
	return string(v)
}

// attrs walks the attributes of b (nlattr.Walk), reporting a bad length
// as ErrTruncated.
func attrs(b []byte, fn func(typ uint16, val []byte)) error {
	if err := nlattr.Walk(b, fn); err != nil {
		return fmt.Errorf("%w: %w", ErrTruncated, err)
	}
	return nil
}

var operStates = [...]string{"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"}

func operState(s uint8) string {
	if int(s) < len(operStates) {
		return operStates[s]
	}
	return strconv.Itoa(int(s))
}

// flagNames lists the interface flags the way ip prints them, lowercase.
func flagNames(f uint32) []string {
	names := []struct {
		bit  uint32
		name string
	}{
		{unix.IFF_UP, "up"}, {unix.IFF_BROADCAST, "broadcast"}, {unix.IFF_DEBUG, "debug"},
		{unix.IFF_LOOPBACK, "loopback"}, {unix.IFF_POINTOPOINT, "pointopoint"},
		{unix.IFF_NOTRAILERS, "notrailers"}, {unix.IFF_RUNNING, "running"}, {unix.IFF_NOARP, "noarp"},
		{unix.IFF_PROMISC, "promisc"}, {unix.IFF_ALLMULTI, "allmulti"}, {unix.IFF_MASTER, "master"},
		{unix.IFF_SLAVE, "slave"}, {unix.IFF_MULTICAST, "multicast"}, {unix.IFF_PORTSEL, "portsel"},
		{unix.IFF_AUTOMEDIA, "automedia"}, {unix.IFF_DYNAMIC, "dynamic"},
		{unix.IFF_LOWER_UP, "lower_up"}, {unix.IFF_DORMANT, "dormant"}, {unix.IFF_ECHO, "echo"},
	}
	out := []string{}
	for _, n := range names {
		if f&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

func arphrdName(t uint16) string {
	switch t {
	case unix.ARPHRD_ETHER:
		return "ether"
	case unix.ARPHRD_LOOPBACK:
		return "loopback"
	case unix.ARPHRD_NONE:
		return "none"
	case unix.ARPHRD_TUNNEL, unix.ARPHRD_TUNNEL6, unix.ARPHRD_SIT:
		return "tunnel"
	case unix.ARPHRD_IEEE80211, unix.ARPHRD_IEEE80211_RADIOTAP:
		return "wlan"
	case unix.ARPHRD_INFINIBAND:
		return "infiniband"
	case unix.ARPHRD_PPP:
		return "ppp"
	}
	return fmt.Sprintf("arphrd%d", t)
}
