package trace

import (
	"fmt"
	"net/netip"
	"strings"

	"netdx/icmpmsg"
)

// Protocol is the protocol of a trace's probes. Its zero value is no
// protocol (Config refuses it). It reads and writes as its name ("icmp")
// in JSON and text.
type Protocol uint8

// The protocols, in the order they are listed to users. A new one goes
// before numProtocols, with its probing (a file of its own) in probings
// and its sending in sendings (transport_linux.go): until it has both,
// the package does not compile, and until its type has every method of
// each, the compiler lists what is missing.
const (
	ICMP Protocol = iota + 1 // echo requests, ping's
	UDP                      // datagrams to a high port, traceroute's
	TCP                      // SYNs to a port that may answer, tcptraceroute's

	numProtocols = iota
)

// probing is what one protocol's probes are: their sizes and what they
// need, and how an answer names the probe it answers. The matcher (match.go)
// hands each kind of answer to its protocol's method.
type probing interface {
	name() string
	// defaultPort is the usual destination port; 0 for a protocol
	// without ports.
	defaultPort() int
	// minPayload is the smallest payload of a probe: what names it; 0
	// for probes that carry none (Config.Size does not apply).
	minPayload() int
	// transportSize is the size of a probe with n bytes of payload, from
	// its transport header on.
	transportSize(n int) int
	// pathMTU reports whether the probes can find the path MTU (sent with
	// DF set, they shrink on Fragmentation Needed).
	pathMTU() bool
	// rawOnly reports whether the probes need a raw socket.
	rawOnly() bool

	// quoted returns the probe an ICMP error's quote names (q.Dst is the
	// target's).
	quoted(m *matcher, q *icmpmsg.Quote, ok known) claim
	// queued returns the probe an error from a socket's error queue is
	// about: the queue hands back the probe as it was sent.
	queued(m *matcher, v6 bool, sent []byte, ok known) claim
	// echoed returns the probe an echo reply (msg, parsed from data, from
	// src) answers.
	echoed(m *matcher, msg *icmpmsg.Message, data []byte, src netip.Addr, ok known) claim
	// segment returns the probe a TCP segment from the target (header
	// first) answers, and its flags ("SA", "R").
	segment(m *matcher, src netip.Addr, seg []byte, ok known) (claim, string)
}

// probings holds each protocol's probing, indexed by Protocol.
var probings = [...]probing{ICMP: icmpProbes{}, UDP: udpProbes{}, TCP: tcpProbes{}}

// Every protocol has its probing: the index is out of range otherwise.
var _ = [1]struct{}{}[len(probings)-1-numProtocols]

// Protocols returns every protocol, in the order they are listed to users.
func Protocols() []Protocol {
	out := make([]Protocol, numProtocols)
	for i := range out {
		out[i] = Protocol(i + 1)
	}
	return out
}

// valid reports whether p is one of the protocols.
func (p Protocol) valid() bool { return p >= 1 && int(p) <= numProtocols }

// probing is p's behaviour; p must be valid.
func (p Protocol) probing() probing { return probings[p] }

// String is p's name ("icmp"); "" for the zero Protocol.
func (p Protocol) String() string {
	switch {
	case p.valid():
		return p.probing().name()
	case p == 0:
		return ""
	}
	return fmt.Sprintf("Protocol(%d)", uint8(p))
}

// MarshalText writes p's name; the zero Protocol is "".
func (p Protocol) MarshalText() ([]byte, error) {
	if p != 0 && !p.valid() {
		return nil, fmt.Errorf("trace: no protocol %d", uint8(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText reads what MarshalText wrote.
func (p *Protocol) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*p = 0
		return nil
	}
	q, err := ParseProtocol(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// ParseProtocol returns the protocol named s ("icmp", "udp", "tcp"), or a
// *ConfigError for the field Protocol.
func ParseProtocol(s string) (Protocol, error) {
	for _, p := range Protocols() {
		if s == p.String() {
			return p, nil
		}
	}
	return 0, &ConfigError{Field: "Protocol", Value: s, Reason: "want " + listed(Protocols(), "or")}
}

// DefaultPort is the usual destination port of p's probes (Config.Port):
// traceroute's 33434 for UDP, 443 for TCP; 0 for a protocol without ports
// (ICMP) and for an invalid p.
func (p Protocol) DefaultPort() int {
	if !p.valid() {
		return 0
	}
	return p.probing().defaultPort()
}

// PacketSize is the size of a probe of p with n bytes of payload (Config.
// Size), IP header included, as traceroute counts it; 0 for an invalid p.
func (p Protocol) PacketSize(ipv6 bool, n int) int {
	if !p.valid() {
		return 0
	}
	ip := 20
	if ipv6 {
		ip = 40
	}
	return ip + p.probing().transportSize(n)
}

// smallestPayload is the smallest payload a probe of any protocol that
// carries one may have.
func smallestPayload() int {
	n := 0
	for _, p := range Protocols() {
		if m := p.probing().minPayload(); m > 0 && (n == 0 || m < n) {
			n = m
		}
	}
	return n
}

// pathMTUProtocols are the protocols that can find the path MTU.
func pathMTUProtocols() []Protocol {
	var out []Protocol
	for _, p := range Protocols() {
		if p.probing().pathMTU() {
			out = append(out, p)
		}
	}
	return out
}

// listed names ps for a sentence: "icmp, udp or tcp".
func listed(ps []Protocol, conj string) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.String()
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}
