package trace

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
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

// round is one trace of a report, running on the shared session.
type round struct {
	i      int
	s      *sched
	res    Result
	failed int
	err    error
}

// drive runs the rounds rc asks for over the session, each a sched drawing
// on one budget of tokens and packets, until they are all complete or ctx
// ends. Every round, complete or canceled, goes to rc.OnRound. It returns
// how many rounds started.
func drive(ctx context.Context, cfg Config, sess *session, rc Rounds) (int, error) {
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("trace: random token: %w", err)
	}
	m, tr, replies := sess.tr.matcher(), sess.tr, sess.replies
	now := time.Now()
	bud := newBudget(cfg.PPS, now, binary.BigEndian.Uint16(b[:]))
	var (
		active    []*round
		started   int
		nextStart = now
	)
	handle := func(r reply) {
		for _, rd := range active {
			if rd.s.handle(r, m) {
				return
			}
		}
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now = time.Now()
		if (rc.Count == 0 || started < rc.Count) && !now.Before(nextStart) {
			active = append(active, &round{i: started, s: newSched(cfg, now, bud),
				res: Result{Addr: cfg.target, Protocol: cfg.Protocol}})
			started++
			nextStart = maxTime(nextStart.Add(rc.Interval), now)
		}
		for _, rd := range active {
			if rd.s.overdue(now) {
				// A probe times out now: first take in what has arrived.
				settle(handle, replies, tr)
				now = time.Now()
				break
			}
		}
		var wake time.Time
		soon := func(t time.Time) {
			if !t.IsZero() && (wake.IsZero() || t.Before(wake)) {
				wake = t
			}
		}
		if rc.Count == 0 || started < rc.Count {
			soon(nextStart)
		}
		sent, keep := false, active[:0]
		for _, rd := range active {
			out, w := rd.s.due(now)
			for _, a := range out {
				at, err := tr.send(a)
				if err != nil {
					rd.err = err
					rd.failed++
					at = time.Now()
				}
				rd.s.sentAt(a, at, err)
			}
			sent = sent || len(out) > 0
			for _, h := range rd.s.complete() {
				rd.res.Hops = append(rd.res.Hops, h)
				if cfg.OnHop != nil {
					cfg.OnHop(h)
				}
			}
			if rd.s.done() {
				rd.finish()
				bud.release(rd.s.byToken)
				if rd.res.Reached && len(rd.res.Hops) > 0 {
					// Later rounds stop at the target: nothing is
					// gained by spending its ICMP rate limit on TTLs
					// past it.
					cfg.MaxTTL = min(cfg.MaxTTL, rd.res.Hops[len(rd.res.Hops)-1].TTL)
					cfg.horizon = 0
				}
				if rc.OnRound != nil {
					rc.OnRound(rd.i, rd.res)
				}
				continue
			}
			if len(out) == 0 && rd.failed > 0 && rd.failed == rd.s.sent {
				return started, fmt.Errorf("trace: send probes to %s: %w", cfg.target, rd.err)
			}
			keep = append(keep, rd)
			soon(w)
		}
		active = keep
		if len(active) == 0 && rc.Count != 0 && started >= rc.Count {
			return started, nil
		}
		if sent {
			continue
		}
		d := time.Hour
		if !wake.IsZero() {
			d = max(wake.Sub(now), 0)
		}
		timer.Reset(d)
		select {
		case r := <-replies:
			handle(r)
			for more := true; more; {
				select {
				case r := <-replies:
					handle(r)
				default:
					more = false
				}
			}
		case <-timer.C:
		case <-ctx.Done():
			// What has arrived counts, and so do the hops beyond one
			// still waited for.
			settle(handle, replies, tr)
			for _, rd := range active {
				for _, h := range append(rd.s.complete(), rd.s.interrupted()...) {
					rd.res.Hops = append(rd.res.Hops, h)
					if cfg.OnHop != nil {
						cfg.OnHop(h)
					}
				}
				rd.res.Reached = rd.s.reached
				rd.res.EndReason = EndCanceled
				rd.res.Sent = rd.s.sent
				rd.res.Invalid, rd.res.InvalidByCause = rd.s.rejected.Total(), rd.s.rejected.Map()
				bud.release(rd.s.byToken)
				if rc.OnRound != nil {
					rc.OnRound(rd.i, rd.res)
				}
			}
			return started, fmt.Errorf("trace: %w", ctx.Err())
		}
	}
}

// finish fills in the result of a complete round.
func (rd *round) finish() {
	s, res := rd.s, &rd.res
	res.Reached = s.reached
	res.EndReason = s.endReason
	if res.EndReason == "" {
		res.EndReason = EndMaxTTL
	}
	if s.cfg.MTU {
		res.PathMTU = s.ipSize(s.size)
	}
	res.Sent = s.sent
	res.Invalid, res.InvalidByCause = s.rejected.Total(), s.rejected.Map()
}
