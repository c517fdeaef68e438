package diagnose

import (
	"fmt"
	"slices"
)

// Status is the overall answer of a check, in the Nagios plugin
// convention. Its JSON form is its name: "ok", "warning", "critical" or
// "unknown". The zero value is OK.
type Status int

// Statuses, by their Nagios exit code.
const (
	StatusOK Status = iota
	StatusWarning
	StatusCritical
	StatusUnknown
)

var statusNames = []string{"ok", "warning", "critical", "unknown"}

func (s Status) String() string {
	if s < StatusOK || s > StatusUnknown {
		return fmt.Sprintf("status(%d)", int(s))
	}
	return statusNames[s]
}

// MarshalText writes the status's name.
func (s Status) MarshalText() ([]byte, error) {
	if s < StatusOK || s > StatusUnknown {
		return nil, fmt.Errorf("diagnose: no status %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a status's name.
func (s *Status) UnmarshalText(b []byte) error {
	i := slices.Index(statusNames, string(b))
	if i < 0 {
		return fmt.Errorf("diagnose: unknown status %q", b)
	}
	*s = Status(i)
	return nil
}

// ExitCode is the one map from a status to the process exit code, used by
// every command: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (and for anything
// that is not a status).
func ExitCode(s Status) int {
	switch s {
	case StatusOK:
		return 0
	case StatusWarning:
		return 1
	case StatusCritical:
		return 2
	default:
		return 3
	}
}

// Overall is the status of a set of findings: OK when nothing is above
// info, else the highest severity's; UNKNOWN when a check could not run
// (incomplete) or a finding's sample could not decide (inconclusive), and
// nothing worse was found.
func Overall(findings []Finding, incomplete bool) Status {
	worst := Info
	for _, f := range findings {
		worst = max(worst, f.Severity)
		incomplete = incomplete || f.Inconclusive
	}
	switch {
	case worst >= Critical:
		return StatusCritical
	case worst == Warning:
		return StatusWarning
	case incomplete:
		return StatusUnknown
	default:
		return StatusOK
	}
}
