package diagnose

import (
	"fmt"
	"maps"
	"slices"

	"netdx/trace"
)

// minBackSample is how many answers with a TTL a hop needs before the way
// back its answers took is read.
const minBackSample = 5

// hopBack is the way back of one answering hop's answers: how many hops
// they crossed, most often, and how many answers say so.
type hopBack struct {
	ttl, back, sample int
	addr              string
}

// returnPath is what the answers' TTLs say of the way back. asymmetric
// when a hop's answers (or the target's) come back over another number of
// hops than the probes took to reach it: the return path is another. The
// hops from the first such one on (from) are where it shows.
type returnPath struct {
	hops       []hopBack
	asymmetric bool
	from       hopBack
	target     hopBack // the target's, when it answered the trace
}

// readReturn reads the way back from every answer of the rounds that has a
// TTL: per hop (the target's answers folded into its hop, as Summarize
// does) the number of hops back most answers took.
func readReturn(rounds []trace.Result, targetTTL int) returnPath {
	counts := map[int]map[int]int{} // ttl → back hops → answers
	addrs := map[int]string{}
	for _, res := range rounds {
		for _, h := range res.Hops {
			ttl := h.TTL
			if targetTTL > 0 && ttl > targetTTL {
				ttl = targetTTL
			}
			for _, p := range h.Probes {
				b := trace.BackHops(p.ReplyTTL)
				if !p.Answered() || b == 0 {
					continue
				}
				if counts[ttl] == nil {
					counts[ttl] = map[int]int{}
				}
				counts[ttl][b]++
				addrs[ttl] = p.Addr.String()
			}
		}
	}
	var rp returnPath
	for _, ttl := range slices.Sorted(maps.Keys(counts)) {
		hb := hopBack{ttl: ttl, addr: addrs[ttl]}
		for b, n := range counts[ttl] {
			hb.sample += n
			if n > counts[ttl][hb.back] || n == counts[ttl][hb.back] && b < hb.back {
				hb.back = b
			}
		}
		if hb.sample < minBackSample {
			continue
		}
		rp.hops = append(rp.hops, hb)
		if ttl == targetTTL {
			rp.target = hb
		}
		if hb.back != ttl && !rp.asymmetric {
			rp.asymmetric, rp.from = true, hb
		}
	}
	return rp
}

// evidence is the way back as a loss finding's evidence carries it.
func (rp returnPath) evidence() map[string]any {
	ev := map[string]any{"asymmetric": rp.asymmetric}
	if rp.asymmetric {
		ev["from_hop"], ev["forward_hops"], ev["return_hops"] = rp.from.ttl, rp.from.ttl, rp.from.back
	}
	if rp.target.sample > 0 {
		ev["target_forward_hops"], ev["target_return_hops"] = rp.target.ttl, rp.target.back
	}
	return ev
}

// lossCaveat is what a placed loss says of the way back: a round trip
// cannot tell the way there from the way back, and when the answers come
// back another way, the loss may not be where the trace places it.
func (rp returnPath) lossCaveat(at int) string {
	if rp.asymmetric && rp.from.ttl <= at {
		return fmt.Sprintf("; the answers from hop %d on come back another way (%d hops back for %d there, by their TTLs), so the loss may be on that return path rather than at hop %d",
			rp.from.ttl, rp.from.back, rp.from.ttl, at)
	}
	return "; on the way there or back: a round trip cannot tell which"
}

// asymmetryFinding is the information that the answers come back another
// way than the probes went (nil when they do not, or cannot be read).
func (r *reading) asymmetryFinding(rp returnPath) []Finding {
	if !rp.asymmetric {
		return nil
	}
	var hops []map[string]any
	for _, h := range rp.hops {
		hops = append(hops, map[string]any{"ttl": h.ttl, "addr": h.addr, "return_hops": h.back, "sample": h.sample})
	}
	f := rp.from
	target := ""
	if t := rp.target; t.sample > 0 && t.ttl != f.ttl {
		target = fmt.Sprintf(", the target's over %d for %d", t.back, t.ttl)
	}
	return []Finding{{Kind: KindAsymmetricReturn, Severity: Info, Subject: Subject{Target: r.target, Hop: f.ttl, Addr: f.addr},
		Summary: fmt.Sprintf("the answers of hop %d (%s) come back over %d hops though it is %d away%s (by their TTLs): the way back is another path, "+
			"so loss or latency placed on this path may be on the way back instead", f.ttl, f.addr, f.back, f.ttl, target),
		Headline: fmt.Sprintf("answers come back another way from hop %d (%s): %d hops back for %d there", f.ttl, f.addr, f.back, f.ttl),
		Evidence: map[string]any{"from_hop": f.ttl, "forward_hops": f.ttl, "return_hops": f.back, "hops": hops}}}
}
