package diagnose

import (
	"encoding/json"
	"testing"
)

// TestExitCode: the one map from a status to the exit code, Nagios's.
func TestExitCode(t *testing.T) {
	for s, want := range map[Status]int{StatusOK: 0, StatusWarning: 1, StatusCritical: 2, StatusUnknown: 3, Status(9): 3, Status(-1): 3} {
		if got := ExitCode(s); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", s, got, want)
		}
	}
}

func TestOverall(t *testing.T) {
	info, warn, crit := Finding{Severity: Info}, Finding{Severity: Warning}, Finding{Severity: Critical}
	for _, tc := range []struct {
		fs         []Finding
		incomplete bool
		want       Status
	}{
		{nil, false, StatusOK},
		{[]Finding{info, info}, false, StatusOK},
		{[]Finding{info}, true, StatusUnknown},
		{[]Finding{info, warn}, false, StatusWarning},
		{[]Finding{warn}, true, StatusWarning}, // something worse than not knowing
		{[]Finding{warn, crit, info}, true, StatusCritical},
	} {
		if got := Overall(tc.fs, tc.incomplete); got != tc.want {
			t.Errorf("Overall(%v, %v) = %v, want %v", tc.fs, tc.incomplete, got, tc.want)
		}
	}
}

func TestStatusJSON(t *testing.T) {
	b, err := json.Marshal(map[string]Status{"a": StatusOK, "b": StatusWarning, "c": StatusCritical, "d": StatusUnknown})
	if err != nil || string(b) != `{"a":"ok","b":"warning","c":"critical","d":"unknown"}` {
		t.Errorf("%s %v", b, err)
	}
	var back map[string]Status
	if err := json.Unmarshal(b, &back); err != nil || back["c"] != StatusCritical || back["d"] != StatusUnknown {
		t.Errorf("%v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`"fine"`), new(Status)); err == nil {
		t.Error(`"fine" read as a status`)
	}
	if _, err := json.Marshal(Status(7)); err == nil {
		t.Error("status 7 written")
	}
}
