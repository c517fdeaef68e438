package probe

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Defaults of Config's zero fields.
const (
	DefaultInterval = time.Second
	DefaultTimeout  = 2 * time.Second
	// DefaultRate caps the packets a second of a whole run: 1000 echo
	// requests of 84 bytes are under 1 Mbit/s, safe on any LAN.
	DefaultRate = 1000
	// MinUserInterval is the shortest interval a datagram (unprivileged)
	// socket may use, as iputils ping allows its users.
	MinUserInterval = 200 * time.Millisecond
)

// ErrInterval is returned when an interval below MinUserInterval is asked
// of a datagram socket.
var ErrInterval = errors.New("probe: an interval below 200ms needs raw socket privileges (CAP_NET_RAW)")

// Config configures a ping run. The zero value pings each target once a
// second until the context ends, with iputils' 56-byte payload.
type Config struct {
	Count    int           // echo requests per target; 0 = until ctx or Deadline ends
	Interval time.Duration // between two requests to one target; 0 = DefaultInterval
	Timeout  time.Duration // wait for each reply; 0 = DefaultTimeout
	Deadline time.Duration // stop the whole run after this; 0 = none
	Size     int           // payload bytes; 0 = DefaultPayload; at least MinPayload
	Rate     float64       // requests a second for the whole run; 0 = DefaultRate

	TTL           int  // 0 = kernel default
	TOS           int  // IPv4 TOS / IPv6 traffic class
	DontFragment  bool // -M do
	AllowFragment bool // -M dont

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

func (c Config) withDefaults() (Config, error) {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Size == 0 {
		c.Size = DefaultPayload
	}
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	switch {
	case c.Count < 0:
		return c, fmt.Errorf("probe: count %d is negative", c.Count)
	case c.Interval < 0 || c.Timeout < 0 || c.Deadline < 0:
		return c, errors.New("probe: interval, timeout and deadline must not be negative")
	case c.Size < MinPayload || c.Size > 65507:
		return c, fmt.Errorf("probe: payload size %d outside %d..65507 (the payload carries a token and the send time)", c.Size, MinPayload)
	case c.Rate < 0:
		return c, fmt.Errorf("probe: rate %g is negative", c.Rate)
	case c.TTL < 0 || c.TTL > 255:
		return c, fmt.Errorf("probe: TTL %d outside 1..255", c.TTL)
	case c.TOS < 0 || c.TOS > 255:
		return c, fmt.Errorf("probe: TOS %d outside 0..255", c.TOS)
	case c.DontFragment && c.AllowFragment:
		return c, errors.New("probe: DontFragment and AllowFragment exclude each other")
	}
	return c, nil
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
	// The target's counts so far, for replies (fping prints them).
	Sent, Received int
	AvgRTT         time.Duration
}
