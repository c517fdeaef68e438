package trace

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"netdx/icmpmsg"
	"netdx/internal/packettest"
)

// fakePath is a user-space path of routers and a target for scheduler
// tests: it answers probes with the bytes a Linux router or host would
// send (Time Exceeded, port unreachable, echo reply, SYN-ACK), after each
// hop's round-trip time, on the (fake) clock of a synctest bubble.
type fakePath struct {
	v6     bool
	proto  Protocol
	src    netip.Addr
	target netip.Addr
	hops   []*fakeHop // hops[k-1] is hop k; the last is the target
	m      *matcher

	mu     sync.Mutex
	out    chan reply
	closed chan struct{}
	once   sync.Once
	sent   []int    // TTL of every probe sent
	held   []*reply // stalled answers (fakeHop.stall)
	// lose, if set, is asked for every link j (1-based: link j leads to
	// hop j) a probe crosses: true drops the probe there.
	lose func(j int) bool
	// forger, if set, answers every ICMP probe first, as an on-path host
	// would (see forge_test.go).
	forger bool
}

type fakeHop struct {
	addr   netip.Addr
	rtt    time.Duration
	silent bool
	// reject, if set, answers every probe this hop forwards (TTL past it)
	// with this ICMP destination-unreachable code.
	reject int
	// Linux's per-destination ICMP token bucket: limit > 0 turns it on
	// (cost per message), tokens start at burst*limit.
	limit    time.Duration
	tokens   time.Duration
	burst    int
	lastTick time.Time
	// mpls labels added to Time Exceeded as an RFC 4950 extension.
	mpls []uint32
	// short: the hop quotes only the IP header and 8 bytes (RFC 792).
	short bool
	// stallAnswer (1-based) picks one answer of this hop that arrives in
	// time but waits in the "socket" for stall, as when the process is
	// descheduled: it reaches the reader at once only if the run asks
	// whether answers are pending (settle).
	stallAnswer int
	stall       time.Duration
	answers     int
	// mtu, if set, is the MTU of the link after the hop: it drops larger
	// packets it forwards without a word (an MTU black hole).
	mtu int
}

func newFakePath(proto Protocol, v6 bool, rtts ...time.Duration) *fakePath {
	p := &fakePath{v6: v6, proto: proto, out: make(chan reply, 1024), closed: make(chan struct{})}
	addr := func(k int) netip.Addr {
		if v6 {
			return netip.MustParseAddr("2001:db8::").Next().Next() // replaced below
		}
		return netip.AddrFrom4([4]byte{198, 18, byte(k), 2})
	}
	p.src = netip.MustParseAddr("198.18.0.1")
	if v6 {
		p.src = netip.MustParseAddr("2001:db8::1")
	}
	for k, rtt := range rtts {
		a := addr(k + 1)
		if v6 {
			b := netip.MustParseAddr("2001:db8::2").As16()
			b[5] = byte(k + 1)
			a = netip.AddrFrom16(b)
		}
		p.hops = append(p.hops, &fakeHop{addr: a, rtt: rtt, reject: -1})
	}
	p.target = p.hops[len(p.hops)-1].addr
	p.m = &matcher{proto: proto, target: p.target, src: p.src, icmpID: 0x4242, cookie: 0x7a7a,
		token: icmpmsg.Token{0xde, 0xad, 0xbe, 0xef, 0x01, 0x02}}
	return p
}

// limitLinux gives hop k Linux's default ICMP rate limit (1 s per message,
// burst 6); drained empties its bucket.
func (p *fakePath) limitLinux(k int, drained bool) {
	h := p.hops[k-1]
	h.limit, h.burst = time.Second, 6
	h.tokens = 6 * time.Second
	if drained {
		h.tokens = 0
	}
	h.lastTick = time.Now()
}

func (p *fakePath) setFlows(cfg Config) {
	p.m.flows = nil
	for f := 0; f < cfg.Flows; f++ {
		id := flowID{sport: 40000 + f, dport: cfg.Port, sum: uint16(0x1000 + f)}
		p.m.flows = append(p.m.flows, id)
	}
}

func (p *fakePath) matcher() *matcher { return p.m }
func (p *fakePath) readers() int      { return 1 }

// pending releases the stalled answers: asking is what lets the reader run.
func (p *fakePath) pending(int) bool {
	p.mu.Lock()
	held := p.held
	p.held = nil
	p.mu.Unlock()
	for _, r := range held {
		p.deliver(*r)
	}
	return len(held) > 0 || len(p.out) > 0
}

// arrive delivers an answer of hop h after its RTT, or stalls it.
func (p *fakePath) arrive(h *fakeHop, r reply) {
	h.answers++
	stalled := h.answers == h.stallAnswer
	time.AfterFunc(h.rtt, func() {
		r.at = time.Now()
		if !stalled {
			p.deliver(r)
			return
		}
		p.mu.Lock()
		p.held = append(p.held, &r)
		p.mu.Unlock()
		time.AfterFunc(h.stall, func() {
			p.mu.Lock()
			for i, x := range p.held {
				if x == &r {
					p.held = append(p.held[:i], p.held[i+1:]...)
					p.mu.Unlock()
					p.deliver(r)
					return
				}
			}
			p.mu.Unlock()
		})
	})
}

func (p *fakePath) close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}

func (p *fakePath) read(int) (reply, error) {
	select {
	case r := <-p.out:
		return r, nil
	case <-p.closed:
		return reply{}, errClosed
	}
}

// packet builds the IP packet the kernel would send for a.
func (p *fakePath) packet(a *attempt) []byte {
	f := p.m.flows[a.slot.flow]
	var l4 []byte
	proto := protoUDP
	switch p.proto {
	case UDP:
		pay := udpPayload(a.size, p.src, p.target, f.sport, f.dport, a.token)
		l4 = packettest.UDP(p.src, p.target, f.sport, f.dport, pay)
	case ICMP:
		proto = protoICMP
		if p.v6 {
			proto = protoICMPv6
		}
		a.stamp = time.Now().UnixNano()
		l4 = echoRequest(p.v6, a.size, p.src, p.target, p.m.icmpID, a.token, f.sum, icmpmsg.Payload{Token: p.m.token, SentNS: a.stamp})
		if p.v6 { // the kernel fills the ICMPv6 checksum
			m, _ := icmp.ParseMessage(protoICMPv6, l4)
			l4 = packettest.ICMP(*m, p.src, p.target)
		}
	case TCP:
		proto = protoTCP
		l4 = tcpSYN(p.src, p.target, f.sport, f.dport, tcpSeq(p.m.cookie, a.token))
	default:
		panic("fakePath: no packets for " + p.proto.String() + " probes yet")
	}
	return ipPacket(p.v6, p.src, p.target, proto, a.ttl, l4)
}

// ipPacket prefixes l4 with an IPv4 header (the kernel's: an id, DF) or
// an IPv6 one.
func ipPacket(v6 bool, src, dst netip.Addr, proto, ttl int, l4 []byte) []byte {
	if v6 {
		return packettest.IP(src, dst, proto, ttl, l4)
	}
	return packettest.IPv4(ipv4.Header{ID: 0x1234, Flags: ipv4.DontFragment, TTL: ttl, Protocol: proto, Src: src.AsSlice(), Dst: dst.AsSlice()}, l4)
}

func (p *fakePath) send(a *attempt) (time.Time, error) {
	now := time.Now()
	pkt := p.packet(a)
	p.mu.Lock()
	p.sent = append(p.sent, a.ttl)
	p.mu.Unlock()
	if p.forger && p.proto == ICMP {
		p.forge(pkt)
	}
	n := len(p.hops)
	k := min(a.ttl, n)
	// A rejecting router before hop k answers instead.
	for j := 1; j < k; j++ {
		if p.hops[j-1].reject >= 0 {
			k = j
			break
		}
	}
	for j := 1; j <= k && p.lose != nil; j++ {
		if p.lose(j) {
			return now, nil
		}
	}
	for j := 1; j < k; j++ {
		if m := p.hops[j-1].mtu; m > 0 && len(pkt) > m {
			return now, nil
		}
	}
	h := p.hops[k-1]
	arrive := now.Add(h.rtt / 2)
	// The packet as it arrives at hop k: routers before it took one off
	// the TTL each; a forwarding router that rejects has taken its own.
	q := append([]byte(nil), pkt...)
	left := a.ttl - (k - 1)
	var msg []byte
	if h.short && (k < n || h.reject >= 0) {
		q = q[:len(q)-len(pkt)+ipHeaderLen(p.v6)+8]
	}
	switch {
	case h.reject >= 0 && a.ttl > k:
		left--
		msg = p.icmpError(3, 1, h.reject, q, left, nil)
	case k < n:
		msg = p.icmpError(11, 3, 0, q, 1, h.mpls)
	case p.proto == UDP:
		code := 3
		if p.v6 {
			code = 4
		}
		msg = p.icmpError(3, 1, code, q, left, nil)
	case p.proto == ICMP:
		msg = packettest.ICMP(packettest.ReplyTo(pkt[ipHeaderLen(p.v6):]), netip.Addr{}, netip.Addr{})
	case p.proto == TCP:
		syn := pkt[ipHeaderLen(p.v6):]
		seg := packettest.TCP(h.addr, p.src, packettest.TCPHeader{SrcPort: int(binary.BigEndian.Uint16(syn[2:])),
			DstPort: int(binary.BigEndian.Uint16(syn)), Ack: binary.BigEndian.Uint32(syn[4:]) + 1, Flags: packettest.SYN | packettest.ACK}, nil)
		p.arrive(h, reply{src: h.addr, ttl: 64, v6: p.v6, tcp: seg})
		return now, nil
	}
	if h.silent && (k < n || p.proto == UDP) {
		return now, nil
	}
	if msg[0] != icmpmsg.TypeEchoReply && msg[0] != icmpmsg.Type6EchoReply && !h.allow(arrive) {
		return now, nil
	}
	p.arrive(h, reply{src: h.addr, ttl: 64 - k + 1, v6: p.v6, icmp: msg})
	return now, nil
}

func (p *fakePath) deliver(r reply) {
	select {
	case p.out <- r:
	case <-p.closed:
	}
}

// icmpError builds an ICMP error (type t4/t6 by family) quoting q with its
// TTL set to left, as Linux does: up to 576 bytes in all for IPv4, 1280
// for IPv6, with an RFC 4884 MPLS extension when labels are given (the
// quote then padded or cut to 128 bytes).
func (p *fakePath) icmpError(t4, t6, code int, q []byte, left int, labels []uint32) []byte {
	typ := icmp.Type(ipv4.ICMPType(t4))
	if p.v6 {
		typ = ipv6.ICMPType(t6)
	}
	q = packettest.WithTTL(q, left)
	var exts []icmp.Extension
	if len(labels) > 0 {
		ls := make([]int, len(labels))
		for i, l := range labels {
			ls[i] = int(l)
		}
		exts, q = []icmp.Extension{packettest.MPLS(ls...)}, q[:min(len(q), 128)]
	}
	return packettest.ICMP(packettest.Error(typ, code, q, exts...), netip.Addr{}, netip.Addr{})
}

// allow is Linux's inet_peer_xrlim_allow.
func (h *fakeHop) allow(now time.Time) bool {
	if h.limit == 0 {
		return true
	}
	h.tokens += now.Sub(h.lastTick)
	h.lastTick = now
	if h.tokens > time.Duration(h.burst)*h.limit {
		h.tokens = time.Duration(h.burst) * h.limit
	}
	if h.tokens >= h.limit {
		h.tokens -= h.limit
		return true
	}
	return false
}
