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

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"

	"netdx/icmpmsg"
	"netdx/internal/packettest"
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
	// ForgeShortUnreachable: only ForgeShortError's Destination
	// Unreachable (a forged !H with nothing before it); ForgeAll sends it
	// as part of ForgeShortError.
	ForgeShortUnreachable

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
	missed            atomic.Int64 // packets the kernel dropped from sniff's queue
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
	// The forger must see every request even when the test's machine is
	// busy: its own answers (dozens a request) stay out of the queue,
	// and the queue holds seconds of requests, not the default's few
	// hundred packets (a loaded machine dropped 1 request in 50 there).
	if err := unix.SetsockoptInt(f.sniff, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
		return fmt.Errorf("packet socket: PACKET_IGNORE_OUTGOING: %w", err)
	}
	if err := unix.SetsockoptInt(f.sniff, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20); err != nil {
		return fmt.Errorf("packet socket: SO_RCVBUFFORCE: %w", err)
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

// Stats returns how many echo requests the forger saw, how many packets
// it sent, and how many packets reaching its interface it missed (the
// kernel dropped them from its full queue): a test that needs every
// request answered checks that missed is 0.
func (f *Forger) Stats() (seen, sent, missed int64) {
	return f.seen.Load(), f.sent.Load(), f.missed.Load()
}

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
		// Reading the statistics resets them.
		if st, err := unix.GetsockoptTpacketStats(f.sniff, unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil {
			f.missed.Add(int64(st.Drops))
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
	te, unreach, unreachCode := icmp.Type(ipv4.ICMPTypeTimeExceeded), icmp.Type(ipv4.ICMPTypeDestinationUnreachable), 1
	if req.v6 {
		te, unreach, unreachCode = ipv6.ICMPTypeTimeExceeded, ipv6.ICMPTypeDestinationUnreachable, 3
	}
	hl := len(req.ip) - len(req.icmp)
	for range f.cfg.Copies {
		short := req.ip[:hl+8]
		if f.cfg.Kinds&ForgeShortError != 0 {
			out = append(out, packet(f.sender(req.v6), req.src, packettest.Error(te, 0, short)))
		}
		if f.cfg.Kinds&(ForgeShortError|ForgeShortUnreachable) != 0 {
			out = append(out, packet(f.sender(req.v6), req.src, packettest.Error(unreach, unreachCode, short)))
		}
		if f.cfg.Kinds&ForgeFullError != 0 {
			out = append(out, packet(f.sender(req.v6), req.src, packettest.Error(te, 0, req.ip[:min(len(req.ip), 548)])))
		}
		if f.cfg.Kinds&ForgeOtherSource != 0 {
			out = append(out, packet(f.sender(req.v6), req.src, packettest.ReplyTo(req.icmp)))
		}
	}
	if f.cfg.Kinds&ForgeBadChecksum != 0 && !req.v6 {
		b := packettest.ICMP(packettest.ReplyTo(req.icmp), req.dst, req.src)
		b[2] ^= 0x5a
		out = append(out, packettest.IP(req.dst, req.src, icmpmsg.ProtoICMP, 64, b))
	}
	if f.cfg.Kinds&ForgeAltered != 0 && len(req.icmp) > 8 {
		m := packettest.ReplyTo(req.icmp)
		m.Body.(*icmp.Echo).Data[0] ^= 0xff
		out = append(out, packet(req.dst, req.src, m))
	}
	return out
}

// packet is the IP packet carrying m from src to dst.
func packet(src, dst netip.Addr, m icmp.Message) []byte {
	proto := icmpmsg.ProtoICMP
	if dst.Is6() {
		proto = icmpmsg.ProtoICMPv6
	}
	return packettest.IP(src, dst, proto, 64, packettest.ICMP(m, src, dst))
}

func (f *Forger) send(v6 bool, to netip.Addr, pkt []byte) error {
	if v6 {
		return unix.Sendto(f.raw6, pkt, 0, &unix.SockaddrInet6{Addr: to.As16()})
	}
	return unix.Sendto(f.raw4, pkt, 0, &unix.SockaddrInet4{Addr: to.As4()})
}
