package trace

import (
	"context"
	"net/netip"
	"time"
)

// Rounds configures the rounds of a report.
type Rounds struct {
	// Count is the number of rounds; 0 runs until the context ends.
	Count int
	// Interval is the time between the starts of two rounds (positive,
	// at most MaxReportInterval). A round does not wait for the one
	// before it to finish: rounds overlap on the same sockets, so a path
	// with loss is sampled as often as asked however long a lost probe
	// takes to time out.
	Interval time.Duration
	// OnRound, if set, is called with every round as it completes (in the
	// order they complete), from the goroutine that called RunReport.
	OnRound func(i int, r Result)
	// Keep, if positive, is how many of the last completed rounds the
	// returned report summarizes; RunReport holds no more than those, so
	// that a run with Count 0 (until the context ends) keeps bounded
	// memory. OnRound still sees every round. 0 keeps them all.
	Keep int
}

// DefaultReportRounds are the rounds of mtr --report's: 10, one a second.
func DefaultReportRounds() Rounds { return Rounds{Count: 10, Interval: time.Second} }

// RunReport runs rounds of traces to target on the same sockets (so the
// flows stay the same) and summarizes them (see Summarize); a report's
// rounds usually start from DefaultReportConfig (one probe per hop, no
// retries, like mtr). Until a round has reached the target, rounds probe
// one TTL past the last hop that answered or timed out, as mtr does, so
// that they spend one probe of the target's ICMP rate limit, not one per
// TTL past it (all TTLs at once would drain a Linux target's burst of 6,
// and the next run would find it empty); once a round has reached the
// target, later rounds send all their TTLs at once and probe none past
// it. cfg.OnHop is called for the hops of every round.
//
// When ctx ends, RunReport returns the rounds completed so far, with a nil
// error if there was at least one.
func RunReport(ctx context.Context, target netip.Addr, cfg Config, rc Rounds) (Report, error) {
	switch {
	case rc.Count < 0:
		return Report{}, &ConfigError{Field: "Rounds", Value: rc.Count, Reason: "want a count of rounds, or 0 until the context ends"}
	case rc.Keep < 0:
		return Report{}, &ConfigError{Field: "Keep", Value: rc.Keep, Reason: "want a count of rounds to keep, or 0 for all"}
	}
	if err := checkRoundInterval(rc.Interval); err != nil {
		return Report{}, err
	}
	cfg, err := cfg.forTarget(target)
	if err != nil {
		return Report{}, err
	}
	cfg.horizon, cfg.report = reportHorizon, true
	tr, cfg, err := open(ctx, cfg)
	if err != nil {
		return Report{}, err
	}
	if cfg.OnReady != nil {
		cfg.OnReady()
	}
	sess := newSession(tr)
	defer sess.close()
	k := kept{keep: rc.Keep}
	onRound := rc.OnRound
	rc.OnRound = func(i int, r Result) {
		k.add(r)
		if onRound != nil {
			onRound(i, r)
		}
	}
	_, err = drive(ctx, cfg, sess, rc)
	if err != nil && ctx.Err() != nil && len(k.done) > 0 {
		err = nil
	}
	rep := Summarize(k.rounds())
	rep.Addr, rep.Protocol = cfg.target, cfg.Protocol
	if rep.Hops == nil {
		rep.Hops = []ReportHop{}
	}
	if rep.EndReason == "" {
		rep.EndReason = EndCanceled
	}
	return rep, err
}

// kept holds the rounds a report summarizes: every complete round, or the
// last keep of them, and the first canceled one.
type kept struct {
	keep     int
	done     []Result
	canceled *Result
}

func (k *kept) add(r Result) {
	if r.EndReason == EndCanceled {
		if k.canceled == nil {
			k.canceled = &r
		}
		return
	}
	if k.keep > 0 && len(k.done) == k.keep {
		// Drop the oldest: append reallocates (the live rounds only)
		// once the array is outgrown, so it stays within a few keeps.
		k.done[0] = Result{}
		k.done = k.done[1:]
	}
	k.done = append(k.done, r)
}

// rounds are the rounds to summarize. Interrupted before any round
// completed, what the first one measured is all there is.
func (k *kept) rounds() []Result {
	if len(k.done) == 0 && k.canceled != nil {
		return []Result{*k.canceled}
	}
	return k.done
}

// reportHorizon is how many TTLs past the last hop decided a report round
// probes until the target is known.
const reportHorizon = 1
