package diagnose

import (
	"fmt"

	"netdx/trace"
)

// A hop can rest on unverified answers alone: ICMP errors quoting too
// little of an ICMP probe to hold its token (RFC 792's 8 bytes), which
// any host on the way can forge (trace.Probe.Unverified). What such a hop
// says — that it is there, that the path ends there (!H) — is said as
// unverified and never makes a critical finding by itself.

// unverifiedHops are the TTLs of rep whose answers were all unverified.
func unverifiedHops(rep trace.Report) map[int]bool {
	var hops map[int]bool
	for _, h := range rep.Hops {
		if h.Received > 0 && h.Unverified == h.Received {
			if hops == nil {
				hops = map[int]bool{}
			}
			hops[h.TTL] = true
		}
	}
	return hops
}

// unverified marks the findings about a hop that rests on unverified
// answers: "unverified": true in their evidence, said in their summary,
// and a critical one lowered to a warning.
func unverified(out []Finding, rep trace.Report) []Finding {
	hops := unverifiedHops(rep)
	for i := range out {
		f := &out[i]
		if f.Hop == 0 || !hops[f.Hop] {
			continue
		}
		if f.Evidence == nil {
			f.Evidence = map[string]any{}
		}
		f.Evidence["unverified"] = true
		f.Summary += fmt.Sprintf(" (unverified: hop %d answered only with ICMP errors quoting too little to hold the probe's token, which any host on the way can forge)", f.Hop)
		if f.Headline != "" {
			f.Headline += " (unverified)"
		}
		f.Severity = min(f.Severity, Warning)
	}
	return out
}

// endVerified reports whether one of the unreachable findings out names
// a hop whose answers are verified: the path's end is then known, and
// speaks for a target that answered nothing.
func endVerified(out []Finding, rep trace.Report) bool {
	hops := unverifiedHops(rep)
	for _, f := range out {
		if f.Kind == KindUnreachable && !hops[f.Hop] {
			return true
		}
	}
	return false
}
