package trace

import (
	"errors"
	"fmt"
	"math"
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

// Config configures a trace. The zero value is a UDP trace like
// traceroute's: 3 probes a hop from TTL 1 to 30, a wait of at most 5 s.
type Config struct {
	// Protocol is the probes' protocol (default UDP).
	Protocol Protocol
	// Port is the destination port (default Protocol.DefaultPort: 33434
	// for UDP, 443 for TCP).
	Port int
	// FirstTTL (default 1) and MaxTTL (default 30) bound the TTLs probed.
	FirstTTL, MaxTTL int
	// Queries is the number of probes per hop and flow (default 3).
	Queries int
	// Flows is the number of flows explored (default 1): each keeps its
	// own ports (UDP, TCP) or ICMP checksum on every TTL, so that load
	// balancers send it one way (Paris traceroute).
	Flows int
	// Wait bounds the adaptive wait for an answer (default 5 s); it is
	// also the deadline for retries to rate-limited hops.
	Wait time.Duration
	// PPS caps the probes sent per second (default 1000, after a burst
	// of 16).
	PPS int
	// Retries is how often a missing probe of a hop that answered others
	// is sent again (default 2); negative: never, and no polling of a
	// silent target either (report rounds use this).
	Retries int
	// Size is the payload of UDP and ICMP probes in bytes (default 32,
	// traceroute's 60-byte IPv4 packets).
	Size int
	// MTU finds the path MTU, tracepath's way: probes start at the
	// interface MTU with DF set and shrink on Fragmentation Needed.
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

// ExplicitZero, put in a numeric field of Config, asks for zero itself
// rather than the field's default (which is what a zero field means). A
// command line passes it for a flag given as 0 ("-m 0"), so that this
// package, not the caller, decides whether zero means anything; in a
// trace's Config it never does, and validation refuses it (and says 0).
const ExplicitZero = math.MinInt64

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

// Bounds of a report (RunReport's rounds and interval).
const (
	MaxRounds         = 100000
	MaxReportInterval = time.Hour
)

func (c Config) withDefaults(target netip.Addr) (Config, error) {
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
	if c.Protocol == 0 {
		c.Protocol = UDP
	}
	if c.Port == 0 {
		c.Port = c.Protocol.DefaultPort()
	}
	if c.FirstTTL == 0 {
		c.FirstTTL = 1
	}
	if c.MaxTTL == 0 {
		c.MaxTTL = 30
	}
	if c.Queries == 0 {
		c.Queries = 3
	}
	if c.Flows == 0 {
		c.Flows = 1
	}
	if c.Wait == 0 {
		c.Wait = 5 * time.Second
	}
	if c.PPS == 0 {
		c.PPS = 1000
	}
	if c.Retries == 0 {
		c.Retries = 2
	}
	if c.Retries < 0 {
		c.Retries = 0
	}
	if c.Size == 0 {
		c.Size = 32
	}
	switch {
	case c.FirstTTL > c.MaxTTL:
		return c, &ConfigError{Field: "FirstTTL", Value: c.FirstTTL, Reason: fmt.Sprintf("first TTL above the max TTL (%d)", c.MaxTTL)}
	case c.Size < c.Protocol.probing().minPayload():
		return c, &ConfigError{Field: "Size", Value: c.Size, Reason: fmt.Sprintf("want at least %d bytes for %s probes (they carry a token and the send time)", c.Protocol.probing().minPayload(), c.Protocol)}
	case (c.MaxTTL-c.FirstTTL+1)*c.Queries*c.Flows > maxSlots:
		// Every probe of a trace, retries included, needs its own
		// 16-bit token.
		return c, &ConfigError{Field: "Flows", Value: c.Flows, Reason: fmt.Sprintf("%d TTLs x %d probes x %d flows is more than %d probes a trace",
			c.MaxTTL-c.FirstTTL+1, c.Queries, c.Flows, maxSlots)}
	}
	return c, nil
}

// check refuses, field by field, what cannot be run whatever the target.
func (c Config) check() error {
	bad := func(field string, v any, format string, a ...any) error {
		return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
	}
	if c.Protocol != 0 && !c.Protocol.valid() {
		return bad("Protocol", c.Protocol, "want %s", listed(Protocols(), "or"))
	}
	ints := []struct {
		field  string
		v      int
		lo, hi int
		reason string
	}{
		{"Port", c.Port, 1, 65535, "want a port of 1..65535"},
		{"FirstTTL", c.FirstTTL, 1, 255, "want a first TTL of 1..255"},
		{"MaxTTL", c.MaxTTL, 1, 255, "want a max TTL of 1..255"},
		{"Queries", c.Queries, 1, 10, "want 1..10 probes per hop"},
		{"Flows", c.Flows, 1, 64, "want 1..64 flows"},
		{"PPS", c.PPS, 1, 1e9, "want at least 1 probe a second"},
		{"Size", c.Size, smallestPayload(), 65000, fmt.Sprintf("want a probe payload of %d..65000 bytes", smallestPayload())},
	}
	for _, f := range ints {
		if f.v == ExplicitZero || f.v != 0 && (f.v < f.lo || f.v > f.hi) {
			return bad(f.field, shown(f.v), "%s", f.reason)
		}
	}
	if c.Retries > 3 {
		return bad("Retries", c.Retries, "want at most 3 retries")
	}
	switch w := c.Wait; {
	case w == 0:
	case w == ExplicitZero:
		return bad("Wait", 0, "wait must be at least %v", MinWait)
	case w < 0:
		return bad("Wait", w, "wait must be positive")
	case w < MinWait:
		return bad("Wait", w, "wait below %v, the shortest netdx schedules", MinWait)
	case w > MaxWait:
		return bad("Wait", w, "wait above %v", MaxWait)
	}
	if c.Protocol.valid() && c.MTU && !c.Protocol.probing().pathMTU() {
		return bad("MTU", true, "path MTU discovery works with %s probes", listed(pathMTUProtocols(), "and"))
	}
	if c.Protocol.valid() && c.Mode == probe.ModeDatagram && c.Protocol.probing().rawOnly() {
		return bad("Mode", "datagram", "%s probes need a raw socket (CAP_NET_RAW)", c.Protocol)
	}
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
	_, err := c.withDefaults(target)
	return err
}

// WithDefaults returns c as Run would trace target with it: every zero
// field set to its default, or the *ConfigError Validate would report.
func (c Config) WithDefaults(target netip.Addr) (Config, error) {
	return c.withDefaults(target)
}

// ValidateReport reports (as a *ConfigError) report parameters that cannot
// be run: rounds must be 1..MaxRounds, the interval between them
// 0..MaxReportInterval.
func ValidateReport(rounds int, interval time.Duration) error {
	if rounds < 1 || rounds > MaxRounds {
		return &ConfigError{Field: "Rounds", Value: shown(rounds), Reason: fmt.Sprintf("want 1..%d rounds", MaxRounds)}
	}
	if interval < 0 || interval > MaxReportInterval {
		return &ConfigError{Field: "Interval", Value: interval, Reason: fmt.Sprintf("want an interval between rounds of 0..%v", MaxReportInterval)}
	}
	return nil
}

func ipVersion(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 6
}

// shown is the value a refused int field was given: 0 for ExplicitZero.
func shown(v int) int {
	if v == ExplicitZero {
		return 0
	}
	return v
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
