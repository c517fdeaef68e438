package netdx

import (
	"bytes"
	"testing"

	"netdx/diagnose"
)

// TestDiagnosisGolden: the status line, a line per finding with where it
// is (a target's hop, a target, an interface, nothing), an inconclusive
// one as UNKNOWN, then every check.
func TestDiagnosisGolden(t *testing.T) {
	fs := []diagnose.Finding{
		{Kind: diagnose.KindUnreachable, Severity: diagnose.Critical, Summary: "!H from hop 3",
			Subject: diagnose.Subject{Target: "198.18.4.2", Hop: 3, Addr: "198.18.3.2"}},
		{Kind: diagnose.KindPathLoss, Severity: diagnose.Warning, Summary: "loss not decided", Inconclusive: true,
			Subject: diagnose.Subject{Target: "2001:db8:4::2"}},
		{Kind: diagnose.KindInterfaceErrors, Severity: diagnose.Warning, Summary: "3 errors a second",
			Subject: diagnose.Subject{Interface: "eth0"}},
		{Kind: diagnose.KindRetransmits, Severity: diagnose.Info, Summary: "0.40% retransmitted"},
	}
	rep := diagnose.Report{Status: diagnose.StatusCritical, Findings: fs, Checks: []diagnose.Check{
		{Name: "link", OK: true, Summary: "2 interfaces"},
		{Name: "sockets", Error: "sock_diag: permission denied"},
		{Name: "path", Target: "198.18.4.2", OK: true, Summary: "icmp to 198.18.4.2"},
	}}
	var b bytes.Buffer
	Diagnosis(&b, rep)
	goldenAt(t, "diagnose", "text.golden", b.String())
}
