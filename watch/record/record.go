package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"netdx/diagnose"
)

// Kind says what a record is about; its payload field is the one named
// after it.
type Kind string

// Kinds of record.
const (
	KindRound    Kind = "round"
	KindRaised   Kind = "raised"
	KindCleared  Kind = "cleared"
	KindAudit    Kind = "audit"
	KindSnapshot Kind = "snapshot"
	KindNotice   Kind = "notice"
)

// Kinds lists every kind, in the order above.
func Kinds() []Kind {
	return []Kind{KindRound, KindRaised, KindCleared, KindAudit, KindSnapshot, KindNotice}
}

// Record is one event of netdx watch. Exactly one payload is set: Round,
// Finding (raised, cleared), Audit, Snapshot or Notice.
type Record struct {
	Time time.Time `json:"time"`
	Host string    `json:"host"`
	Kind Kind      `json:"kind"`

	Round   *Round            `json:"round,omitempty"`
	Finding *diagnose.Finding `json:"finding,omitempty"`
	// Since is when a cleared finding was raised.
	Since    time.Time `json:"since,omitzero"`
	Audit    *Audit    `json:"audit,omitempty"`
	Snapshot *Snapshot `json:"snapshot,omitempty"`
	Notice   *Notice   `json:"notice,omitempty"`
}

// Round is one interval's echo measurements, a target each.
type Round struct {
	Seq     uint64        `json:"seq"`
	Targets []TargetRound `json:"targets"`
}

// Sent is the requests decided in the round, over all its targets.
func (r *Round) Sent() int {
	n := 0
	for _, t := range r.Targets {
		n += t.Sent
	}
	return n
}

// TargetRound is a target's echo statistics over one round; the fields are
// those of netdx ping's JSON contract.
type TargetRound struct {
	Target   string  `json:"target"`
	Addr     string  `json:"addr"`
	Sent     int     `json:"sent"`
	Received int     `json:"received"`
	LossPct  float64 `json:"loss_pct"`
	RTT      *RTT    `json:"rtt_ms"` // null without replies
	Error    string  `json:"error,omitempty"`
	// Invalid counts the messages for the target's echo stream that
	// failed a check in the round (forged replies and errors), by cause
	// in InvalidByCause; PathInvalid and PathInvalidByCause the answers to
	// its path rounds' probes that did, in path rounds that ended in the
	// round. Left out when none did.
	Invalid            int            `json:"invalid,omitempty"`
	InvalidByCause     map[string]int `json:"invalid_by_cause,omitempty"`
	PathInvalid        int            `json:"path_invalid,omitempty"`
	PathInvalidByCause map[string]int `json:"path_invalid_by_cause,omitempty"`
}

// RTT summarises round-trip times in milliseconds, as netdx ping does.
type RTT struct {
	Min    float64 `json:"min"`
	Avg    float64 `json:"avg"`
	Max    float64 `json:"max"`
	Mdev   float64 `json:"mdev"`
	P50    float64 `json:"p50"`
	P95    float64 `json:"p95"`
	Jitter float64 `json:"jitter"`
}

// Audit events.
const (
	EventConnection = "connection" // a new inbound TCP connection
	EventListener   = "listener"   // a new listening TCP socket
)

// Audit is one event of the connection audit: a new inbound TCP
// connection or a new listener.
type Audit struct {
	Event  string `json:"event"`
	Proto  string `json:"proto"`
	Local  string `json:"local"`            // address:port, IPv4-mapped addresses unmapped
	Remote string `json:"remote,omitempty"` // connections only
	// PID and Process own the socket: the accepting process, or for a
	// connection seen only when it closed, the listener's owner.
	PID     int    `json:"pid,omitempty"`
	Process string `json:"process,omitempty"`
	UID     uint32 `json:"uid"`
	// Cleartext names the cleartext service on the local port, with what
	// to use instead.
	Cleartext   string `json:"cleartext,omitempty"`
	Alternative string `json:"alternative,omitempty"`
	// Closed is set for a connection that opened and closed between two
	// reads of the socket table: it was seen only in the kernel's destroy
	// notification.
	Closed bool `json:"closed,omitempty"`
}

// Snapshot is what a trigger captured when a target crossed a threshold:
// the documents netdx trace --json and netdx sockets --json print.
type Snapshot struct {
	Target  string          `json:"target"`
	Reason  string          `json:"reason"`
	Trace   json.RawMessage `json:"trace,omitempty"`
	Sockets json.RawMessage `json:"sockets,omitempty"`
}

// Notice is the watcher's word about itself: a sink that repaired, dropped
// or stopped.
type Notice struct {
	Source  string `json:"source"` // "journal", "syslog", …
	Event   string `json:"event"`
	Message string `json:"message"`
	Count   int64  `json:"count,omitempty"`
	// File and Regions say where a journal's unreadable lines were set
	// aside (event "set_aside"): the name of the file in the journal's
	// directory that holds their bytes, and each run of them, in the order
	// they were in.
	File    string   `json:"file,omitempty"`
	Regions []Region `json:"regions,omitempty"`
}

// Region is a run of whole lines of a journal that could not be read as
// records, set aside: its place in the journal as it was, and the
// readable records around it.
type Region struct {
	Offset int64  `json:"offset"` // its first byte
	Length int64  `json:"length"` // its bytes, the last newline included
	Line   int    `json:"line"`   // its first line, from 1
	Lines  int    `json:"lines"`  // how many lines it spans
	Reason string `json:"reason"` // why its first line is unreadable
	// After and Before are the times of the readable records just before
	// and just after it, when there are such records.
	After  time.Time `json:"after,omitzero"`
	Before time.Time `json:"before,omitzero"`
}

// Line is the record as one line of JSON, newline included: the journal's
// format. HTML characters are not escaped; newlines inside strings are.
// It refuses a record that fails Check.
func (r Record) Line() ([]byte, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	return b.Bytes(), nil
}

// Check reports a record whose kind and payload disagree.
func (r Record) Check() error {
	set := 0
	for _, p := range []bool{r.Round != nil, r.Finding != nil, r.Audit != nil, r.Snapshot != nil, r.Notice != nil} {
		if p {
			set++
		}
	}
	var ok bool
	switch r.Kind {
	case KindRound:
		ok = r.Round != nil
	case KindRaised, KindCleared:
		ok = r.Finding != nil
	case KindAudit:
		ok = r.Audit != nil
	case KindSnapshot:
		ok = r.Snapshot != nil
	case KindNotice:
		ok = r.Notice != nil
	default:
		return fmt.Errorf("record: unknown kind %q", r.Kind)
	}
	if !ok || set != 1 {
		return fmt.Errorf("record: a %s record must carry its payload and no other (%d set)", r.Kind, set)
	}
	return nil
}
