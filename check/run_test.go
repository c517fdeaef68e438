package check

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"netdx/diagnose"
	"netdx/sockets"
	"netdx/trace"
)

// unreachablePath answers every target with a router's !H at hop 1.
func unreachablePath(_ context.Context, t Target) (diagnose.PathEvidence, error) {
	p := trace.Probe{Addr: netip.MustParseAddr("198.18.1.2"), Annotation: "!H", ICMPType: 3, ICMPCode: 1}
	res := trace.Result{Addr: t.Addr, Protocol: trace.ICMP, EndReason: trace.EndUnreachable,
		Hops: []trace.Hop{{TTL: 1, Probes: []trace.Probe{p}}}}
	return diagnose.PathEvidence{Addr: t.Addr, Protocol: trace.ICMP, Rounds: []trace.Result{res, res, res}}, nil
}

func TestRunStatusAndChecks(t *testing.T) {
	ctx := context.Background()
	okLink := func(context.Context) (diagnose.LinkEvidence, error) { return diagnose.LinkEvidence{}, nil }
	badSockets := func(context.Context) (sockets.Table, error) { return sockets.Table{}, errors.New("sockets: denied") }
	targets := []Target{{"a", netip.MustParseAddr("198.18.3.2")}, {"b", netip.MustParseAddr("198.18.3.3")}}

	rep, _ := Run(ctx, diagnose.DefaultConfig(), Sources{Link: okLink}, nil)
	if rep.Status != diagnose.StatusOK || diagnose.ExitCode(rep.Status) != 0 || len(rep.Checks) != 1 {
		t.Errorf("clean host: %+v", rep)
	}
	rep, _ = Run(ctx, diagnose.DefaultConfig(), Sources{Link: okLink, Sockets: badSockets}, nil)
	if rep.Status != diagnose.StatusUnknown || diagnose.ExitCode(rep.Status) != 3 {
		t.Errorf("a failed check with nothing found must be unknown: %+v", rep)
	}
	rep, err := Run(ctx, diagnose.DefaultConfig(), Sources{Link: okLink, Sockets: badSockets, Path: unreachablePath}, targets)
	if err != nil {
		t.Errorf("failed checks taken for a refused setting: %v", err)
	}
	if rep.Status != diagnose.StatusCritical || diagnose.ExitCode(rep.Status) != 2 || len(rep.Findings) != 2 || len(rep.Checks) != 4 {
		t.Errorf("unreachable targets: %+v", rep)
	}
	if rep.Checks[0].Name != "link" || rep.Checks[2].Target != "a" || rep.Checks[3].Target != "b" {
		t.Errorf("checks out of order: %+v", rep.Checks)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	f := back["findings"].([]any)[0].(map[string]any)
	for _, k := range []string{"kind", "severity", "summary", "hop", "addr", "evidence"} {
		if _, ok := f[k]; !ok {
			t.Errorf("finding JSON lacks %q: %s", k, b)
		}
	}
	if f["severity"] != "critical" || back["status"] != "critical" {
		t.Errorf("severity/status not names: %s", b)
	}
}

// TestRunRefused: a setting an engine refuses once it runs is returned,
// not recorded as a failed check; the other checks still run.
func TestRunRefused(t *testing.T) {
	refuse := func(_ context.Context, t Target) (diagnose.PathEvidence, error) {
		if t.Name == "b" {
			return diagnose.PathEvidence{}, fmt.Errorf("path: %w", &ConfigError{Field: "EchoInterval", Value: time.Millisecond, Reason: "needs a raw socket"})
		}
		return unreachablePath(context.Background(), t)
	}
	targets := []Target{{"a", netip.MustParseAddr("198.18.3.2")}, {"b", netip.MustParseAddr("198.18.3.3")}}
	rep, err := Run(context.Background(), diagnose.DefaultConfig(), Sources{Path: refuse}, targets)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "EchoInterval" {
		t.Errorf("refusal %v, want the EchoInterval field's", err)
	}
	if len(rep.Checks) != 2 || !rep.Checks[0].OK {
		t.Errorf("checks %+v: want both, a's run", rep.Checks)
	}
}
