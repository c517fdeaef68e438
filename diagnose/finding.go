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

// Finding kinds: the stable vocabulary of the design.
const (
	KindLatencyJump       = "latency_jump"
	KindHopICMPRateLimit  = "hop_icmp_ratelimit"
	KindPathLoss          = "path_loss"
	KindUnreachable       = "unreachable"
	KindTargetUnreachable = "target_unreachable"
	KindSniffer           = "sniffer"
	KindPromiscuous       = "promiscuous"
	KindInterfaceErrors   = "interface_errors"
	KindInterfaceDown     = "interface_down"
	KindInterfaceFlapping = "interface_flapping"
	KindRetransmits       = "retransmits"
	KindCleartextService  = "cleartext_service"
	KindUnexpectedGateway = "unexpected_gateway"
	KindDeletedExecutable = "deleted_executable"
	KindTimeWaitPileup    = "time_wait_pileup"
)

// Finding is one conclusion with the evidence that supports it.
type Finding struct {
	Kind     string   `json:"kind"`
	Severity Severity `json:"severity"`
	// Summary is one line for humans.
	Summary string `json:"summary"`
	// Target is the trace target a path finding is about.
	Target string `json:"target,omitempty"`
	// Hop and Addr name the hop a path finding is about.
	Hop  int    `json:"hop,omitempty"`
	Addr string `json:"addr,omitempty"`
	// DeltaMS is the latency added at the hop (latency_jump).
	DeltaMS float64 `json:"delta_ms,omitempty"`
	// Persists tells whether a hop's loss or latency carries on to the
	// later hops and the target (path findings).
	Persists *bool `json:"persists,omitempty"`
	// Interface names the interface a host finding is about.
	Interface string `json:"interface,omitempty"`
	// PID and Process name the process a finding is about.
	PID     int    `json:"pid,omitempty"`
	Process string `json:"process,omitempty"`
	// Evidence holds the numbers the finding rests on.
	Evidence map[string]any `json:"evidence"`
	// Inconclusive marks a finding whose sample cannot decide its
	// threshold (also "inconclusive": true in Evidence): the status is
	// then UNKNOWN unless something worse was found, never OK.
	Inconclusive bool `json:"-"`
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
