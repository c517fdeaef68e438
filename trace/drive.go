package trace

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"
)

// drive runs the rounds rc asks for over the session, each a sched drawing
// on one budget of tokens and packets, until they are all complete or ctx
// ends. Every round, complete or canceled, goes to rc.OnRound. It returns
// how many rounds started.
func drive(ctx context.Context, cfg Config, sess *session, rc Rounds) (int, error) {
	d, err := newDriver(cfg, sess, rc, time.Now())
	if err != nil {
		return 0, err
	}
	defer d.timer.Stop()
	for {
		now := time.Now()
		d.startDue(now)
		now = d.settleOverdue(now)
		wake, sent, err := d.advance(now)
		switch {
		case err != nil:
			return d.started, err
		case len(d.active) == 0 && !d.more():
			return d.started, nil
		case sent:
			continue
		}
		if !d.await(ctx, now, wake) {
			d.cancel()
			return d.started, fmt.Errorf("trace: %w", ctx.Err())
		}
	}
}

// driver is drive's state: the rounds under way on one session and the
// budget they share.
type driver struct {
	cfg       Config // the rounds still to start take it
	rc        Rounds
	sess      *session
	m         *matcher
	bud       *budget
	timer     *time.Timer
	active    []*round
	started   int
	nextStart time.Time
}

// round is one trace of a report, running on the shared session.
type round struct {
	i      int
	s      *sched
	res    Result
	failed int
	err    error
}

func newDriver(cfg Config, sess *session, rc Rounds, now time.Time) (*driver, error) {
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("trace: random token: %w", err)
	}
	return &driver{cfg: cfg, rc: rc, sess: sess, m: sess.tr.matcher(), timer: time.NewTimer(time.Hour),
		bud: newBudget(cfg.PPS, now, binary.BigEndian.Uint16(b[:])), nextStart: now}, nil
}

// more reports whether rounds are still to start.
func (d *driver) more() bool { return d.rc.Count == 0 || d.started < d.rc.Count }

// handle hands an answer to the round it answers.
func (d *driver) handle(r reply) {
	for _, rd := range d.active {
		if rd.s.handle(r, d.m) {
			return
		}
	}
}

// startDue starts the next round if it is due at now.
func (d *driver) startDue(now time.Time) {
	if d.more() && !now.Before(d.nextStart) {
		d.active = append(d.active, &round{i: d.started, s: newSched(d.cfg, now, d.bud),
			res: Result{Addr: d.cfg.target, Protocol: d.cfg.Protocol}})
		d.started++
		d.nextStart = maxTime(d.nextStart.Add(d.rc.Interval), now)
	}
}

// settleOverdue takes in what has arrived when a probe times out at now,
// and returns the time after that.
func (d *driver) settleOverdue(now time.Time) time.Time {
	for _, rd := range d.active {
		if rd.s.overdue(now) {
			settle(d.handle, d.sess.replies, d.sess.tr, now)
			return time.Now()
		}
	}
	return now
}

// advance sends what every round has due at now, hands on the hops now
// complete and ends the rounds that are. It returns when it must run again
// (zero: nothing is due before an answer), whether it sent anything, and
// an error if a round could send none of its probes.
func (d *driver) advance(now time.Time) (wake time.Time, sent bool, err error) {
	soon := func(t time.Time) {
		if !t.IsZero() && (wake.IsZero() || t.Before(wake)) {
			wake = t
		}
	}
	if d.more() {
		soon(d.nextStart)
	}
	keep := d.active[:0]
	for _, rd := range d.active {
		out, w := rd.s.due(now)
		rd.send(d.sess.tr, out)
		sent = sent || len(out) > 0
		d.emit(rd, rd.s.complete())
		if rd.s.done() {
			d.complete(rd)
			continue
		}
		if len(out) == 0 && rd.failed > 0 && rd.failed == rd.s.sent {
			return wake, sent, fmt.Errorf("trace: send probes to %s: %w", d.cfg.target, rd.err)
		}
		keep = append(keep, rd)
		soon(w)
	}
	d.active = keep
	return wake, sent, nil
}

// send sends a round's due probes; one that cannot be sent is taken as
// sent now, and counted as failed.
func (rd *round) send(tr transport, out []*attempt) {
	for _, a := range out {
		at, err := tr.send(a)
		if err != nil {
			rd.err = err
			rd.failed++
			at = time.Now()
		}
		rd.s.sentAt(a, at, err)
	}
}

// emit adds hops to a round's result and hands them to Config.OnHop.
func (d *driver) emit(rd *round, hops []Hop) {
	for _, h := range hops {
		rd.res.Hops = append(rd.res.Hops, h)
		if d.cfg.OnHop != nil {
			d.cfg.OnHop(h)
		}
	}
}

// complete ends a round that has decided every hop. Once one has reached
// the target, later rounds stop there: nothing is gained by spending its
// ICMP rate limit on TTLs past it.
func (d *driver) complete(rd *round) {
	if rd.s.reached && len(rd.res.Hops) > 0 {
		d.cfg.MaxTTL = min(d.cfg.MaxTTL, rd.res.Hops[len(rd.res.Hops)-1].TTL)
		d.cfg.horizon = 0
	}
	d.end(rd, false)
}

// cancel ends the rounds under way with what they measured: what has
// arrived counts, and so do the hops beyond one still waited for.
func (d *driver) cancel() {
	settle(d.handle, d.sess.replies, d.sess.tr, time.Now())
	for _, rd := range d.active {
		d.emit(rd, append(rd.s.complete(), rd.s.interrupted()...))
		d.end(rd, true)
	}
}

// end fills in a round's result, gives its tokens back to the budget and
// hands the round to Rounds.OnRound.
func (d *driver) end(rd *round, canceled bool) {
	rd.finish(canceled)
	d.bud.release(rd.s.byToken)
	if d.rc.OnRound != nil {
		d.rc.OnRound(rd.i, rd.res)
	}
}

// finish fills in the result of a round that ended: complete, or canceled
// (then without a path MTU: the path was not all probed).
func (rd *round) finish(canceled bool) {
	s, res := rd.s, &rd.res
	res.Reached = s.reached
	res.Sent = s.sent
	res.Invalid, res.InvalidByCause, res.Oddities = s.rejected.Total(), s.rejected.Map(), s.odd.Map()
	if canceled {
		res.EndReason = EndCanceled
		return
	}
	res.EndReason = s.endReason
	if res.EndReason == "" {
		res.EndReason = EndMaxTTL
	}
	if s.cfg.MTU {
		res.PathMTU = s.ipSize(s.size)
	}
}

// await waits for answers until wake (zero: until one comes) and takes in
// every one that has arrived; it reports false if ctx ended first.
func (d *driver) await(ctx context.Context, now, wake time.Time) bool {
	wait := time.Hour
	if !wake.IsZero() {
		wait = max(wake.Sub(now), 0)
	}
	d.timer.Reset(wait)
	select {
	case r := <-d.sess.replies:
		d.handle(r)
		for {
			select {
			case r := <-d.sess.replies:
				d.handle(r)
			default:
				return true
			}
		}
	case <-d.timer.C:
	case <-ctx.Done():
		return false
	}
	return true
}
