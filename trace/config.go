package trace

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"netdx/internal/configerr"
	"netdx/probe"
)

// ErrConfig is returned (wrapped) for a Config that cannot be run.
var ErrConfig = errors.New("trace: bad configuration")

// Config configures a trace. Start from DefaultConfig (a traceroute) or
// DefaultReportConfig (mtr's rounds): every field is taken as it is, and
// Validate refuses what cannot run (a max TTL of 0 among them).
type Config struct {
	// Protocol is the probes' protocol.
	Protocol Protocol
	// Port is the destination port of probes that have one (UDP, TCP;
	// Protocol.DefaultPort is each one's usual).
	Port int
	// FirstTTL and MaxTTL bound the TTLs probed.
	FirstTTL, MaxTTL int
	// Queries is the number of probes per hop and flow.
	Queries int
	// Flows is the number of flows explored: each keeps its own ports
	// (UDP, TCP) or ICMP checksum on every TTL, so that load balancers
	// send it one way (Paris traceroute).
	Flows int
	// Wait bounds the adaptive wait for an answer; it is also the
	// deadline for retries to rate-limited hops.
	Wait time.Duration
	// PPS caps the probes sent per second (after a burst of 16).
	PPS int
	// Retries is how often (0..3) a missing probe of a hop that answered
	// others is sent again; with none, a silent target is not polled
	// either (report rounds).
	Retries int
	// Size is the payload of UDP and ICMP probes in bytes.
	Size int
	// MTU finds the path MTU, tracepath's way: probes start at the
	// interface MTU with DF set (whatever path MTU the kernel learnt) and
	// shrink on Fragmentation Needed. A trace whose probes die without a
	// word past some hop while Size's probes go on reports an MTU black
	// hole (Result.BlackHole) and the largest size that passes it.
	MTU bool
	// Source and Interface pin the probes' source address and device.
	Source    netip.Addr
	Interface string
	// Mode is the ICMP socket kind (probe.ModeAuto: raw when permitted,
	// else unprivileged: ICMP datagram sockets, UDP with IP_RECVERR).
	Mode probe.Mode

	// OnReady, if set, is called once the sockets are open, before the
	// first probe, from the goroutine that called Run (to drop
	// privileges, say).
	OnReady func()
	// OnHop, if set, is called with each hop as soon as it is complete,
	// in TTL order, from the goroutine that called Run.
	OnHop func(Hop)
	// OnAnswer, if set, is called with the address of every answer as
	// it arrives (to start a reverse lookup early, say).
	OnAnswer func(netip.Addr)

	target netip.Addr
	zone   int // the interface index of target's zone, 0 without one
	// horizon, if positive, holds back probes more than horizon TTLs
	// past the last hop that answered or timed out (report rounds).
	horizon int
	// report marks the rounds of a report (see sched.wait).
	report bool
}

// DefaultConfig is a traceroute's: UDP probes to port 33434, 3 a hop from
// TTL 1 to 30 on one flow, 32-byte payloads (traceroute's 60-byte IPv4
// packets), at most 1000 a second, each awaited at most 5 s (traceroute's
// -w: a one-off trace can afford to wait for the slowest router), 2
// retries to a hop that answered others.
func DefaultConfig() Config {
	return Config{Protocol: UDP, Port: UDP.DefaultPort(), FirstTTL: 1, MaxTTL: 30, Queries: 3, Flows: 1,
		Wait: 5 * time.Second, PPS: 1000, Retries: 2, Size: 32}
}

// DefaultReportConfig is the rounds of a report's (mtr's): as
// DefaultConfig, but one probe a hop per round and no retries — the next
// round asks again.
func DefaultReportConfig() Config {
	c := DefaultConfig()
	c.Queries, c.Retries = 1, 0
	return c
}

// ConfigError is a Config field (or a report's parameter) that cannot be
// run. It names the field, not any command-line flag: callers map Field to
// their own spelling. Every ConfigError matches ErrConfig.
type ConfigError = configerr.Error[configOwner]

// configOwner makes ConfigError trace's own: its messages start with
// "trace:" and it matches ErrConfig.
type configOwner struct{}

func (configOwner) Package() string    { return "trace" }
func (configOwner) Sentinels() []error { return []error{ErrConfig} }

// Bounds of Config.Wait.
const (
	MinWait = time.Millisecond
	MaxWait = time.Minute
)

// Bounds of a report's rounds (Rounds, and a report a command asks for:
// ValidateReport).
const (
	MaxRounds         = 100000
	MaxReportInterval = time.Hour
)

// forTarget is c ready to trace target, or the *ConfigError Validate
// reports.
func (c Config) forTarget(target netip.Addr) (Config, error) {
	c.target = target.Unmap()
	if !c.target.IsValid() {
		return c, fmt.Errorf("%w: no target address", ErrConfig)
	}
	if err := c.check(); err != nil {
		return c, err
	}
	if c.Source.IsValid() && c.Source.Unmap().Is4() != c.target.Is4() {
		return c, &ConfigError{Field: "Source", Value: c.Source,
			Reason: fmt.Sprintf("an IPv%d source cannot reach %s", ipVersion(c.Source.Unmap()), c.target)}
	}
	if z := c.target.Zone(); z != "" {
		ifi, err := zoneInterface(z)
		if err != nil {
			return c, &ConfigError{Field: "Target", Value: c.target, Reason: fmt.Sprintf("zone %q names no interface", z), Err: err}
		}
		c.zone = ifi.Index
	}
	return c, nil
}

// check refuses, field by field, what cannot be run whatever the target.
func (c Config) check() error {
	return configerr.First(c.checkProtocol, c.checkCounts, c.checkWait, c.checkSocket)
}

func bad(field string, v any, format string, a ...any) error {
	return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
}

// checkProtocol, checkCounts, checkWait and checkSocket are check's
// checks, one group of fields each.
func (c Config) checkProtocol() error {
	switch {
	case !c.Protocol.valid():
		return bad("Protocol", c.Protocol, "want %s", listed(Protocols(), "or"))
	case c.MTU && !c.Protocol.probing().pathMTU():
		return bad("MTU", true, "path MTU discovery works with %s probes", listed(pathMTUProtocols(), "and"))
	case c.Mode == probe.ModeDatagram && c.Protocol.probing().rawOnly():
		return bad("Mode", "datagram", "%s probes need a raw socket (CAP_NET_RAW)", c.Protocol)
	case c.Protocol.DefaultPort() != 0 && (c.Port < 1 || c.Port > 65535):
		// A protocol without ports (ICMP) does not read Port.
		return bad("Port", c.Port, "want a port of 1..65535")
	}
	return nil
}

func (c Config) checkCounts() error {
	ints := []struct {
		field  string
		v      int
		lo, hi int
		reason string
	}{
		{"FirstTTL", c.FirstTTL, 1, 255, "want a first TTL of 1..255"},
		{"MaxTTL", c.MaxTTL, 1, 255, "want a max TTL of 1..255"},
		{"Queries", c.Queries, 1, 10, "want 1..10 probes per hop"},
		{"Flows", c.Flows, 1, 64, "want 1..64 flows"},
		{"PPS", c.PPS, 1, 1e9, "want at least 1 probe a second"},
		{"Size", c.Size, smallestPayload(), 65000, fmt.Sprintf("want a probe payload of %d..65000 bytes", smallestPayload())},
		{"Retries", c.Retries, 0, 3, "want 0..3 retries"},
	}
	for _, f := range ints {
		if f.v < f.lo || f.v > f.hi {
			return bad(f.field, f.v, "%s", f.reason)
		}
	}
	switch least := c.Protocol.probing().minPayload(); {
	case c.FirstTTL > c.MaxTTL:
		return bad("FirstTTL", c.FirstTTL, "first TTL above the max TTL (%d)", c.MaxTTL)
	case c.Size < least:
		return bad("Size", c.Size, "want at least %d bytes for %s probes (they carry a token and the send time)", least, c.Protocol)
	case (c.MaxTTL-c.FirstTTL+1)*c.Queries*c.Flows > maxSlots:
		// Every probe of a trace, retries included, needs its own
		// 16-bit token.
		return bad("Flows", c.Flows, "%d TTLs x %d probes x %d flows is more than %d probes a trace",
			c.MaxTTL-c.FirstTTL+1, c.Queries, c.Flows, maxSlots)
	}
	return nil
}

func (c Config) checkWait() error {
	switch w := c.Wait; {
	case w == 0:
		return bad("Wait", w, "wait must be at least %v", MinWait)
	case w < 0:
		return bad("Wait", w, "wait must be positive")
	case w < MinWait:
		return bad("Wait", w, "wait below %v, the shortest netdx schedules", MinWait)
	case w > MaxWait:
		return bad("Wait", w, "wait above %v", MaxWait)
	}
	return nil
}

func (c Config) checkSocket() error {
	switch c.Mode {
	case probe.ModeAuto, probe.ModeRaw, probe.ModeDatagram:
	default:
		return bad("Mode", int(c.Mode), "unknown socket mode")
	}
	switch {
	case len(c.Interface) > 15:
		return bad("Interface", c.Interface, "interface names are at most 15 bytes")
	case strings.ContainsAny(c.Interface, "/ \t\n:") || c.Interface == "." || c.Interface == "..":
		return bad("Interface", c.Interface, "not an interface name")
	}
	return nil
}

// Validate reports (as a *ConfigError, matching ErrConfig) what makes c
// unfit to trace target, before any socket is opened. With an invalid
// (zero) target it checks only what does not depend on the target.
func (c Config) Validate(target netip.Addr) error {
	if !target.IsValid() {
		return c.check()
	}
	_, err := c.forTarget(target)
	return err
}

// ValidateReport reports (as a *ConfigError) the rounds of a report a
// command asks for that cannot be run: 1..MaxRounds of them, a positive
// interval between them up to MaxReportInterval (mtr's -i, which refuses
// 0 too: rounds that all start at once would read every router's ICMP
// rate limit as loss).
func ValidateReport(rounds int, interval time.Duration) error {
	if rounds < 1 || rounds > MaxRounds {
		return &ConfigError{Field: "Rounds", Value: rounds, Reason: fmt.Sprintf("want 1..%d rounds", MaxRounds)}
	}
	return checkRoundInterval(interval)
}

// checkRoundInterval refuses an interval between rounds RunReport cannot
// keep.
func checkRoundInterval(d time.Duration) error {
	if d <= 0 || d > MaxReportInterval {
		return &ConfigError{Field: "Interval", Value: d, Reason: fmt.Sprintf("want a positive interval between rounds, up to %v", MaxReportInterval)}
	}
	return nil
}

func ipVersion(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 6
}

func (c Config) payload() int { return c.Size }

// zoneInterface is the interface a zone names, by name or index, in the
// calling thread's network namespace.
func zoneInterface(z string) (*net.Interface, error) {
	if i, err := strconv.Atoi(z); err == nil {
		return net.InterfaceByIndex(i)
	}
	return net.InterfaceByName(z)
}

// dst is the target to send to: with its zone as an interface index, which
// the kernel reads as the scope of a link-local address, and which needs
// no lookup by name from a thread in another namespace.
func (c Config) dst() netip.Addr {
	if c.zone == 0 {
		return c.target
	}
	return c.target.WithZone(strconv.Itoa(c.zone))
}

// maxSlots bounds the probes of a trace so that they and their retries
// (at most Retries+1 each, and the polling of one TTL) fit in 16-bit
// tokens.
const maxSlots = 12000
