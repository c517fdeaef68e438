package netdx

import (
	"fmt"
	"io"
	"strings"

	"netdx/diagnose"
)

// Diagnosis writes netdx diagnose's report: the status line, one line per
// finding, most severe first (an inconclusive one as UNKNOWN), then each
// check: what it saw, or why it could not run.
func Diagnosis(w io.Writer, rep diagnose.Report) {
	fmt.Fprintf(w, "netdx diagnose: %s (%s)\n", strings.ToUpper(rep.Status.String()), diagnose.Counts(rep.Findings))
	for _, f := range rep.Findings {
		where := f.Interface
		if f.Hop > 0 {
			where = fmt.Sprintf("%s hop %d", f.Target, f.Hop)
		} else if f.Target != "" {
			where = f.Target
		}
		if where != "" {
			where = " [" + where + "]"
		}
		sev := strings.ToUpper(f.Severity.String())
		if f.Inconclusive {
			sev = "UNKNOWN"
		}
		fmt.Fprintf(w, "%-8s %s%s: %s\n", sev, f.Kind, where, f.Summary)
	}
	for _, ch := range rep.Checks {
		what := ch.Name
		if ch.Target != "" {
			what += " " + ch.Target
		}
		if !ch.OK {
			fmt.Fprintf(w, "UNKNOWN  %s could not run: %s\n", what, ch.Error)
			continue
		}
		fmt.Fprintf(w, "checked  %s: %s\n", what, ch.Summary)
	}
}
