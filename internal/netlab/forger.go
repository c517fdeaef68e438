package netlab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// ForgeKind is a kind of forged answer to an echo request (a bit set).
type ForgeKind uint

// The forgeries of an on-path host that sees a ping or trace's requests.
const (
	// ForgeShortError: a Time Exceeded and a Destination Unreachable
	// (host unreachable; ICMPv6 address unreachable) quoting the request's
	// IP header and first 8 bytes, the minimum of RFC 792.
	ForgeShortError ForgeKind = 1 << iota
	// ForgeFullError: a Time Exceeded quoting the whole request, payload
	// and all, as a Linux router would.
	ForgeFullError
	// ForgeBadChecksum: an echo reply from the target with a wrong ICMP
	// checksum (IPv4: the kernel itself drops ICMPv6 ones).
	ForgeBadChecksum
	// ForgeAltered: an echo reply from the target whose payload was
	// altered (its first byte), the checksum made right.
	ForgeAltered
	// ForgeOtherSource: the echo reply, intact, from another address.
	ForgeOtherSource

	ForgeAll = ForgeShortError | ForgeFullError | ForgeBadChecksum | ForgeAltered | ForgeOtherSource
)

// ForgerConfig configures StartForger. The zero value answers every echo
// request reaching any of the node's interfaces with one packet of every
// kind.
type ForgerConfig struct {
	Interface string    // the node's interface to watch; "" for all
	Kinds     ForgeKind // 0: ForgeAll
	// Copies is how many packets of each kind answer one request, each
	// from another made-up sender (errors, ForgeOtherSource); 0 is 1.
	Copies int
}

// Forger is an on-path attacker in a lab node: it reads the ICMP and
// ICMPv6 echo requests that reach the node (on a packet socket, so also
// those the node forwards) and answers each at once with forged packets
// from raw sockets. Made-up senders are 198.19.0.0/16 and
// 2001:db8:ffff::/64, each used once until the range wraps: only the lab's
// ranges, sent only to the requests' sources inside the lab.
type Forger struct {
	cfg               ForgerConfig
	sniff, raw4, raw6 int
	next              uint32 // made-up sender counter
	seen, sent        atomic.Int64
	stop              chan struct{}
	wg                sync.WaitGroup
	once              sync.Once
}

// StartForger starts a forger in the node; the lab stops it at clean-up.
func (n *Node) StartForger(cfg ForgerConfig) *Forger {
	n.lab.tb.Helper()
	if cfg.Kinds == 0 {
		cfg.Kinds = ForgeAll
	}
	cfg.Copies = max(cfg.Copies, 1)
	f := &Forger{cfg: cfg, sniff: -1, raw4: -1, raw6: -1, stop: make(chan struct{})}
	if err := n.Do(f.open); err != nil {
		f.closeFDs()
		n.lab.tb.Fatalf("netlab: %s: forger: %v", n.name, err)
	}
	n.lab.mu.Lock()
	n.lab.forgers = append(n.lab.forgers, f)
	n.lab.mu.Unlock()
	f.wg.Add(1)
	go f.run()
	return f
}

// open opens the sockets, in the node's namespace.
func (f *Forger) open() error {
	var err error
	proto := int(htons(unix.ETH_P_ALL))
	if f.sniff, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, proto); err != nil {
		return fmt.Errorf("packet socket: %w", err)
	}
	if f.cfg.Interface != "" {
		ifi, err := net.InterfaceByName(f.cfg.Interface)
		if err != nil {
			return err
		}
		if err := unix.Bind(f.sniff, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
			return fmt.Errorf("bind to %s: %w", f.cfg.Interface, err)
		}
	}
	// Wake up now and then to see whether to stop.
	tv := unix.NsecToTimeval((100 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(f.sniff, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	// IPPROTO_RAW: the IPv4 or IPv6 header is ours to write.
	if f.raw4, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW); err != nil {
		return fmt.Errorf("raw socket: %w", err)
	}
	if f.raw6, err = unix.Socket(unix.AF_INET6, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW); err != nil {
		return fmt.Errorf("raw ipv6 socket: %w", err)
	}
	return nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// Stats returns how many echo requests the forger saw and how many
// packets it sent.
func (f *Forger) Stats() (seen, sent int64) { return f.seen.Load(), f.sent.Load() }

// Stop stops the forger and closes its sockets; calling it again is
// harmless.
func (f *Forger) Stop() {
	f.once.Do(func() {
		close(f.stop)
		f.wg.Wait()
		f.closeFDs()
	})
}

func (f *Forger) closeFDs() {
	for _, fd := range []int{f.sniff, f.raw4, f.raw6} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

func (f *Forger) run() {
	defer f.wg.Done()
	buf := make([]byte, 65536)
	for {
		select {
		case <-f.stop:
			return
		default:
		}
		n, from, err := unix.Recvfrom(f.sniff, buf, 0)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); !ok || ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		req, ok := parseEchoRequest(buf[:n])
		if !ok {
			continue
		}
		f.seen.Add(1)
		for _, pkt := range f.forge(req) {
			if f.send(req.v6, req.src, pkt) == nil {
				f.sent.Add(1)
			}
		}
	}
}

// echoRequest is an ICMP or ICMPv6 echo request as the forger saw it.
type echoRequest struct {
	v6       bool
	src, dst netip.Addr
	ip       []byte // the whole packet, IP header first
	icmp     []byte // from the ICMP header on
}

// parseEchoRequest finds an echo request in an IPv4 or IPv6 packet (no
// IPv6 extension headers: netdx sends none).
func parseEchoRequest(b []byte) (echoRequest, bool) {
	if len(b) < 1 {
		return echoRequest{}, false
	}
	switch b[0] >> 4 {
	case 4:
		ihl := int(b[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(b[2:4]))
		if ihl < 20 || len(b) < ihl+8 || b[9] != unix.IPPROTO_ICMP || b[ihl] != 8 || total < ihl+8 || total > len(b) {
			return echoRequest{}, false
		}
		return echoRequest{src: netip.AddrFrom4([4]byte(b[12:16])), dst: netip.AddrFrom4([4]byte(b[16:20])),
			ip: b[:total], icmp: b[ihl:total]}, true
	case 6:
		if len(b) < 48 || b[6] != unix.IPPROTO_ICMPV6 || b[40] != 128 {
			return echoRequest{}, false
		}
		total := 40 + int(binary.BigEndian.Uint16(b[4:6]))
		if total < 48 || total > len(b) {
			return echoRequest{}, false
		}
		return echoRequest{v6: true, src: netip.AddrFrom16([16]byte(b[8:24])), dst: netip.AddrFrom16([16]byte(b[24:40])),
			ip: b[:total], icmp: b[40:total]}, true
	}
	return echoRequest{}, false
}

// sender is the next made-up sender of the request's family.
func (f *Forger) sender(v6 bool) netip.Addr {
	f.next++
	if v6 {
		a := netip.MustParseAddr("2001:db8:ffff::").As16()
		binary.BigEndian.PutUint32(a[12:], f.next)
		return netip.AddrFrom16(a)
	}
	return netip.AddrFrom4([4]byte{198, 19, byte(f.next >> 8), byte(f.next)})
}

// forge builds the answers to req, each a whole IP packet to req.src.
func (f *Forger) forge(req echoRequest) [][]byte {
	var out [][]byte
	te, unreach, unreachCode, reply := byte(11), byte(3), byte(1), byte(0)
	if req.v6 {
		te, unreach, unreachCode, reply = 3, 1, 3, 129
	}
	hl := len(req.ip) - len(req.icmp)
	for range f.cfg.Copies {
		if f.cfg.Kinds&ForgeShortError != 0 {
			short := req.ip[:hl+8]
			out = append(out, f.packet(req, f.sender(req.v6), icmpError(te, 0, short)))
			out = append(out, f.packet(req, f.sender(req.v6), icmpError(unreach, unreachCode, short)))
		}
		if f.cfg.Kinds&ForgeFullError != 0 {
			out = append(out, f.packet(req, f.sender(req.v6), icmpError(te, 0, req.ip[:min(len(req.ip), 548)])))
		}
		if f.cfg.Kinds&ForgeOtherSource != 0 {
			out = append(out, f.packet(req, f.sender(req.v6), echoReply(reply, req.icmp, nil)))
		}
	}
	if f.cfg.Kinds&ForgeBadChecksum != 0 && !req.v6 {
		out = append(out, f.packet(req, req.dst, echoReply(reply, req.icmp, func(b []byte) { b[2] ^= 0x5a })))
	}
	if f.cfg.Kinds&ForgeAltered != 0 && len(req.icmp) > 8 {
		out = append(out, f.packet(req, req.dst, echoReply(reply, req.icmp, func(b []byte) { b[8] ^= 0xff })))
	}
	return out
}

// icmpError is an ICMP error message of type and code quoting q; its
// checksum is filled in by packet.
func icmpError(typ, code byte, q []byte) []byte {
	return append([]byte{typ, code, 0, 0, 0, 0, 0, 0}, q...)
}

// echoReply is the reply to the echo request req, altered by alter after
// its checksum is computed (when alter is given, packet leaves it).
func echoReply(typ byte, req []byte, alter func([]byte)) []byte {
	b := append([]byte(nil), req...)
	b[0], b[2], b[3] = typ, 0, 0
	if alter != nil {
		alter(b)
	}
	return b
}

// packet wraps an ICMP message from src to the request's source in an IP
// header, with the ICMP checksum filled unless the message already carries
// one (a forged bad one).
func (f *Forger) packet(req echoRequest, src netip.Addr, msg []byte) []byte {
	fill := msg[2] == 0 && msg[3] == 0
	if req.v6 {
		b := make([]byte, 40, 40+len(msg))
		b[0] = 0x60
		binary.BigEndian.PutUint16(b[4:], uint16(len(msg)))
		b[6], b[7] = unix.IPPROTO_ICMPV6, 64
		copy(b[8:], src.AsSlice())
		copy(b[24:], req.src.AsSlice())
		if fill {
			pseudo := append(append(append([]byte(nil), b[8:40]...), 0, 0, byte(len(msg)>>8), byte(len(msg))), 0, 0, 0, 58)
			binary.BigEndian.PutUint16(msg[2:], ^fold(sum16(sum16(0, pseudo), msg)))
		}
		return append(b, msg...)
	}
	if fill {
		binary.BigEndian.PutUint16(msg[2:], ^fold(sum16(0, msg)))
	}
	b := make([]byte, 20, 20+len(msg))
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(20+len(msg)))
	b[8], b[9] = 64, unix.IPPROTO_ICMP
	copy(b[12:], src.AsSlice())
	copy(b[16:], req.src.AsSlice())
	binary.BigEndian.PutUint16(b[10:], ^fold(sum16(0, b)))
	return append(b, msg...)
}

func (f *Forger) send(v6 bool, to netip.Addr, pkt []byte) error {
	if v6 {
		return unix.Sendto(f.raw6, pkt, 0, &unix.SockaddrInet6{Addr: to.As16()})
	}
	return unix.Sendto(f.raw4, pkt, 0, &unix.SockaddrInet4{Addr: to.As4()})
}

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

func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}
