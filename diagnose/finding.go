package diagnose

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Severity of a finding. The zero value is Info.
type Severity int

// Severities, in increasing order.
const (
	Info Severity = iota
	Warning
	Critical
)

var severityNames = []string{"info", "warning", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	i := slices.Index(severityNames, string(b))
	if i < 0 {
		return fmt.Errorf("diagnose: unknown severity %q", b)
	}
	*s = Severity(i)
	return nil
}

// Finding is one conclusion with the evidence that supports it.
type Finding struct {
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	// Summary is one line for humans.
	Summary string `json:"summary"`
	// Headline is the finding in one short sentence, where it starts
	// first, for the live view's screen line (path findings; the others
	// leave it empty). Not in JSON.
	Headline string `json:"-"`
	// Subject is what the finding is about; with its kind, its identity.
	Subject
	// DeltaMS is the latency added at the hop (latency_jump).
	DeltaMS float64 `json:"delta_ms,omitempty"`
	// Persists tells whether a hop's loss or latency carries on to the
	// later hops and the target (path findings).
	Persists *bool `json:"persists,omitempty"`
	// Evidence holds the numbers the finding rests on.
	Evidence map[string]any `json:"evidence"`
	// Inconclusive marks a finding whose sample cannot decide its
	// threshold (also "inconclusive": true in Evidence): the status is
	// then UNKNOWN unless something worse was found, never OK.
	Inconclusive bool `json:"-"`
}

// Subject is what a finding is about, in typed fields: a hop of the path
// to a target, an interface, a process, a socket, a route. Readers that
// tell findings apart or place them (the watch's hysteresis, the
// renderers) read these, never the evidence.
type Subject struct {
	// Target is the trace target a path finding is about.
	Target string `json:"target,omitempty"`
	// Hop and Addr name the hop a path finding is about (for path_loss,
	// where the loss starts when the evidence places it exactly); Addr
	// is also the gateway of a route.
	Hop  int    `json:"hop,omitempty"`
	Addr string `json:"addr,omitempty"`
	// Interface names the interface a host finding is about.
	Interface string `json:"interface,omitempty"`
	// PID and Process name the process a finding is about.
	PID     int    `json:"pid,omitempty"`
	Process string `json:"process,omitempty"`
	// Proto and Local name the socket a finding is about ("tcp",
	// "0.0.0.0:23"); Route is the destination of the route it is about;
	// Inode the capture socket's. They are not in the finding's JSON,
	// whose evidence holds them ("proto", "local", "dst", "inode").
	Proto string `json:"-"`
	Local string `json:"-"`
	Route string `json:"-"`
	Inode uint32 `json:"-"`
}

// ID is a finding's identity: its kind and what it is about, not its
// numbers. Findings with one ID in successive evaluations are the same
// finding seen again. It is comparable (a map key).
type ID struct {
	Kind    Kind
	Subject Subject
}

// ID returns the finding's identity. A finding about a target's path as a
// whole (path_loss, target_unreachable) is one per target: its hop and
// address say where the evidence places it, which moves as samples grow.
func (f Finding) ID() ID {
	s := f.Subject
	if f.Kind.about() == aboutPath {
		s.Hop, s.Addr = 0, ""
	}
	return ID{Kind: f.Kind, Subject: s}
}

// Sort orders findings most severe first, keeping the rules' order within
// a severity.
func Sort(findings []Finding) {
	slices.SortStableFunc(findings, func(a, b Finding) int { return int(b.Severity) - int(a.Severity) })
}

// MarshalJSON keeps evidence an object even when empty.
func (f Finding) MarshalJSON() ([]byte, error) {
	type plain Finding
	if f.Evidence == nil {
		f.Evidence = map[string]any{}
	}
	return json.Marshal(plain(f))
}

// Counts tells how many findings there are of each severity, for a summary
// line.
func Counts(fs []Finding) string {
	var n [3]int
	inconclusive := 0
	for _, f := range fs {
		if f.Severity >= Info && f.Severity <= Critical {
			n[f.Severity]++
		}
		if f.Inconclusive {
			inconclusive++
		}
	}
	s := fmt.Sprintf("%d critical, %d warning, %d info", n[Critical], n[Warning], n[Info])
	if inconclusive > 0 {
		s += fmt.Sprintf(", %d inconclusive", inconclusive)
	}
	return s
}

func boolp(b bool) *bool { return &b }
