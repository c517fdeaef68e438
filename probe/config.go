package probe

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"netdx/icmpmsg"
	"netdx/internal/configerr"
)

// MinUserInterval is the shortest interval a datagram (unprivileged)
// socket may use, as iputils ping allows its users (20221126, Debian 12).
const MinUserInterval = 2 * time.Millisecond

// ErrInterval is returned when an interval below MinUserInterval is asked
// of a datagram socket.
var ErrInterval = errors.New("probe: an interval below 2ms needs raw socket privileges (CAP_NET_RAW)")

// Config configures a ping run. Start from DefaultConfig: every field is
// taken as it is, and Validate refuses what cannot run (a count, interval
// or payload of 0 among them).
type Config struct {
	Count    int           // echo requests per target, or UntilStopped
	Interval time.Duration // between two requests to one target
	Timeout  time.Duration // wait for each reply
	Deadline time.Duration // stop the whole run after this; 0: none (iputils' -w 0)
	// CountAnswers makes Count the answers (replies and ICMP errors) to
	// wait for rather than the requests to send: requests go on until
	// Count answers came or the Deadline ends (iputils' -c with -w). It
	// needs a Deadline.
	CountAnswers bool
	Size         int     // payload bytes, at least MinPayload
	Rate         float64 // requests a second for the whole run

	TTL           int  // 1..255, or KernelTTL
	TOS           int  // IPv4 TOS / IPv6 traffic class
	DontFragment  bool // -M do
	AllowFragment bool // -M dont
	// ProbeMTU sets DF and sends at any size up to the interface MTU,
	// whatever path MTU the kernel has learnt (-M probe): a path MTU
	// learnt from an earlier "fragmentation needed" does not refuse the
	// request before it leaves.
	ProbeMTU bool

	Mode      Mode       // raw, datagram or the best permitted
	Source    netip.Addr // bind address; zero = any
	Interface string     // bind to this interface

	// OnEvent, when set, is called from the run's loop for every reply,
	// error, timeout and invalid message, as it happens. It must be
	// quick: it delays the loop.
	OnEvent func(Event)
	// OnReady, when set, is called once the sockets are open, before the
	// first request goes out (iputils prints its header there).
	OnReady func()
}

// UntilStopped, as Config.Count, sends until the context or the Deadline
// ends (iputils' ping without -c): as many requests as an int counts,
// which no run lives to send. Such a run keeps only its last requests'
// records, not every one.
const UntilStopped = math.MaxInt

// KernelTTL, as Config.TTL, leaves the TTL (hop limit) to the kernel: the
// value the socket options themselves take for "the default".
const KernelTTL = -1

// DefaultConfig is iputils ping's: a request of 56 bytes to each target
// once a second until stopped, each reply awaited 2 s, at most 1000
// requests a second in all (84-byte requests: under 1 Mbit/s, safe on any
// LAN), the kernel's TTL, and the best socket permitted.
func DefaultConfig() Config {
	return Config{
		Count:    UntilStopped,
		Interval: time.Second,
		Timeout:  2 * time.Second,
		Size:     DefaultPayload,
		Rate:     1000,
		TTL:      KernelTTL,
	}
}

// ErrConfig matches every *ConfigError.
var ErrConfig = errors.New("probe: bad configuration")

// ConfigError is a Config (or ConnConfig) field that cannot be run. It
// names the field, not any command-line flag: callers map Field to their
// own spelling.
type ConfigError = configerr.Error[configOwner]

// configOwner makes ConfigError probe's own: its messages start with
// "probe:" and it matches ErrConfig.
type configOwner struct{}

func (configOwner) Package() string    { return "probe" }
func (configOwner) Sentinels() []error { return []error{ErrConfig} }

// Bounds of Config's durations: shorter ones cannot mean anything to an
// engine that schedules in whole milliseconds at best, longer ones are
// typing mistakes (and would overflow the clock arithmetic).
const (
	MinTiming = time.Millisecond
	MaxTiming = 1e6 * time.Second
)

// MaxRate bounds Config.Rate: the limiter spaces requests by whole
// nanoseconds.
const MaxRate = 1e9

// Validate reports the first field of c that cannot be run, as a
// *ConfigError, before any socket is opened. Ping runs the same checks.
func (c Config) Validate() error {
	return configerr.First(c.checkCount, c.checkTimings, c.checkPacket, c.checkRate, c.checkSocket)
}

func bad(field string, v any, format string, a ...any) error {
	return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
}

// checkCount, checkTimings, checkPacket, checkRate and checkSocket are
// Validate's checks, one group of fields each.
func (c Config) checkCount() error {
	switch {
	case c.Count < 1:
		return bad("Count", c.Count, "want at least 1 echo request")
	case c.CountAnswers && c.Deadline == 0:
		return bad("CountAnswers", true, "counting answers needs a Deadline (a silent target would be pinged forever)")
	}
	return nil
}

func (c Config) checkRate() error {
	switch r := c.Rate; {
	case math.IsNaN(r) || math.IsInf(r, 0):
		return bad("Rate", r, "want a finite number of requests a second")
	case r <= 0:
		return bad("Rate", r, "want a positive number of requests a second")
	case r > MaxRate:
		return bad("Rate", r, "at most %g requests a second (the limiter's resolution is 1ns)", float64(MaxRate))
	}
	return nil
}

func (c Config) checkTimings() error {
	for _, d := range []struct {
		field, what string
		v           time.Duration
		none        bool // 0 means none
	}{
		{"Interval", "interval", c.Interval, false},
		{"Timeout", "reply timeout", c.Timeout, false},
		{"Deadline", "deadline", c.Deadline, true},
	} {
		switch v := d.v; {
		case v == 0 && d.none:
		case v == 0:
			return bad(d.field, v, "%s must be at least %v", d.what, MinTiming)
		case v < 0:
			return bad(d.field, v, "%s must be positive", d.what)
		case v < MinTiming:
			return bad(d.field, v, "%s below %v, the shortest netdx schedules", d.what, MinTiming)
		case v > MaxTiming:
			return bad(d.field, v, "%s above %gs", d.what, MaxTiming.Seconds())
		}
	}
	return nil
}

func (c Config) checkPacket() error {
	switch {
	case c.Size < MinPayload || c.Size > 65507:
		return bad("Size", c.Size, "payload must be %d..65507 bytes (it carries a token and the send time)", MinPayload)
	case c.TTL != KernelTTL && (c.TTL < 1 || c.TTL > 255):
		return bad("TTL", c.TTL, "TTL must be 1..255")
	case c.TOS < 0 || c.TOS > 255:
		return bad("TOS", c.TOS, "TOS must be 0..255")
	case c.DontFragment && c.AllowFragment:
		return bad("DontFragment", true, "DontFragment and AllowFragment exclude each other")
	case c.ProbeMTU && (c.DontFragment || c.AllowFragment):
		return bad("ProbeMTU", true, "ProbeMTU excludes DontFragment and AllowFragment")
	}
	return nil
}

func (c Config) checkSocket() error {
	switch c.Mode {
	case ModeAuto, ModeRaw, ModeDatagram:
	default:
		return bad("Mode", int(c.Mode), "unknown socket mode")
	}
	return checkInterface(c.Interface)
}

// checkTargets refuses a source address that cannot reach some targets.
func (c Config) checkTargets(targets []Target) error {
	if !c.Source.IsValid() {
		return nil
	}
	src := c.Source.Unmap()
	for _, t := range targets {
		if a := t.Addr.Unmap(); a.IsValid() && a.Is4() != src.Is4() {
			return &ConfigError{Field: "Source", Value: c.Source,
				Reason: fmt.Sprintf("an IPv%d source cannot reach %s", ipVersion(src), a)}
		}
	}
	return nil
}

func ipVersion(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 6
}

// checkInterface refuses names the kernel cannot have given an interface.
func checkInterface(name string) error {
	switch {
	case name == "":
		return nil
	case len(name) > 15:
		return &ConfigError{Field: "Interface", Value: name, Reason: "interface names are at most 15 bytes"}
	case strings.ContainsAny(name, "/ \t\n:") || name == "." || name == "..":
		return &ConfigError{Field: "Interface", Value: name, Reason: "not an interface name"}
	}
	return nil
}

// Target is one host to ping: a name for humans and the address resolved
// once, up front.
type Target struct {
	Name string
	Addr netip.Addr
}

// Result is a target's statistics. Its JSON is the ping contract of the
// design.
type Result struct {
	Target     string `json:"target"`
	Addr       string `json:"addr"`
	Sent       int    `json:"sent"`
	Received   int    `json:"received"`
	Duplicates int    `json:"duplicates"`
	Invalid    int    `json:"invalid"`
	// InvalidByCause splits Invalid by what failed (icmpmsg.Cause names:
	// bad_checksum, wrong_token, wrong_source, contradicted_error, …);
	// absent when nothing was invalid.
	InvalidByCause map[string]int `json:"invalid_by_cause,omitempty"`
	Late           int            `json:"late"` // valid replies after their timeout: not received
	LossPct        float64        `json:"loss_pct"`
	RTT            *RTTStats      `json:"rtt_ms"` // to the microsecond; null without replies
	Reordered      int            `json:"reordered"`
	ICMPErrors     []ErrorCount   `json:"icmp_errors"`
	SendErrors     int            `json:"send_errors"` // probes the kernel refused to send
	// Timestamps says where RTTs were measured at the receiving end:
	// "kernel" (SO_TIMESTAMPNS), "user" (time.Now after the read, when
	// the kernel gave none), "mixed", or "" without replies.
	Timestamps string `json:"rx_timestamps"`
	Socket     string `json:"socket"` // "raw" or "datagram"
	// Error is why the target could not be pinged at all (set by
	// callers, e.g. for a name that did not resolve).
	Error string `json:"error,omitempty"`
}

// EventKind is what happened to a target in an Event.
type EventKind int

// Event kinds.
const (
	EventReply     EventKind = iota // a reply counted as received
	EventDuplicate                  // a duplicate reply
	EventLate                       // a valid reply after its timeout
	EventInvalid                    // a message for us that failed validation
	EventError                      // an ICMP error for a probe
	EventTimeout                    // a probe timed out
	EventSendError                  // the send call failed
)

// Event is one thing that happened during a run, for live output.
type Event struct {
	Kind       EventKind
	Target     int // index into the targets given to Ping
	Seq        int // the wire sequence number
	RTT        time.Duration
	TTL        int
	From       netip.Addr
	Bytes      int // ICMP message size
	KernelTime bool
	ErrType    int
	ErrCode    int
	Reason     string // EventInvalid, EventSendError: why
	// The target's counts so far, for replies, timeouts and errors
	// (fping prints them).
	Sent, Received int
	AvgRTT         time.Duration
	// Rejected counts the target's invalid messages so far, by cause (the
	// run's InvalidByCause), in every event of a target: a rejection
	// comes with an event (EventInvalid, or the reply or error that
	// showed an earlier error false or repeated).
	Rejected icmpmsg.Counts
}
