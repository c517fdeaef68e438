package trace

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// transport sends probes and reads answers: real sockets (see
// transport_linux.go) or, in tests, a fake path.
type transport interface {
	// send sends the probe a and returns when it left.
	send(a *attempt) (time.Time, error)
	// read blocks for the next answer until the transport is closed.
	// The transport may have several sockets: read is called from one
	// goroutine per reader index, 0 <= i < readers().
	read(i int) (reply, error)
	readers() int
	// pending reports whether an answer waits in a socket, not yet read.
	pending() bool
	// matcher tells answers apart; it knows the flows' ports and ids.
	matcher() *matcher
	close() error
}

// Run traces the path to target and returns the hops up to the target or
// the first hop that ends the path. It needs CAP_NET_RAW for ICMP and TCP
// probes; UDP probes fall back to unprivileged sockets (IP_RECVERR).
func Run(ctx context.Context, target netip.Addr, cfg Config) (Result, error) {
	cfg, err := cfg.withDefaults(target)
	if err != nil {
		return Result{}, err
	}
	tr, cfg, err := open(ctx, cfg)
	if err != nil {
		return Result{}, err
	}
	if cfg.OnReady != nil {
		cfg.OnReady()
	}
	sess := newSession(tr)
	defer sess.close()
	return runOn(ctx, cfg, sess)
}

// runOn runs one trace on an open session. It closes nothing.
func runOn(ctx context.Context, cfg Config, sess *session) (Result, error) {
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Result{}, fmt.Errorf("trace: random token: %w", err)
	}
	return drive(ctx, newSched(cfg, time.Now(), binary.BigEndian.Uint16(b[:])), sess)
}

// session reads a transport's answers from one goroutine per socket for
// as long as the transport is open, across the rounds of a report.
type session struct {
	tr      transport
	replies chan reply
	stop    chan struct{}
	wg      sync.WaitGroup
}

func newSession(tr transport) *session {
	s := &session{tr: tr, replies: make(chan reply, 64), stop: make(chan struct{})}
	for i := range tr.readers() {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				r, err := tr.read(i)
				if errors.Is(err, errClosed) {
					return
				}
				if err != nil {
					continue
				}
				select {
				case s.replies <- r:
				case <-s.stop:
					return
				}
			}
		}()
	}
	return s
}

// close closes the transport and waits for the readers to end.
func (s *session) close() {
	close(s.stop)
	s.tr.close()
	s.wg.Wait()
}

// drive runs s over the session until the trace is complete or ctx ends.
func drive(ctx context.Context, s *sched, sess *session) (Result, error) {
	cfg, m, tr, replies := s.cfg, sess.tr.matcher(), sess.tr, sess.replies
	res := Result{Addr: cfg.target, Protocol: cfg.Protocol}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var sendErr error
	failed := 0
	for {
		now := time.Now()
		if s.overdue(now) {
			// A probe times out now: first take in what has arrived.
			settle(s, m, replies, tr)
			now = time.Now()
		}
		out, wake := s.due(now)
		for _, a := range out {
			at, err := tr.send(a)
			if err != nil {
				sendErr = err
				failed++
				at = time.Now()
			}
			s.sentAt(a, at, err)
		}
		for _, h := range s.complete() {
			res.Hops = append(res.Hops, h)
			if cfg.OnHop != nil {
				cfg.OnHop(h)
			}
		}
		if s.done() {
			break
		}
		if len(out) > 0 {
			continue
		}
		if failed > 0 && failed == s.sent {
			return res, fmt.Errorf("trace: send probes to %s: %w", cfg.target, sendErr)
		}
		d := time.Hour
		if !wake.IsZero() {
			d = max(wake.Sub(now), 0)
		}
		timer.Reset(d)
		select {
		case r := <-replies:
			s.handle(r, m)
			for more := true; more; {
				select {
				case r := <-replies:
					s.handle(r, m)
				default:
					more = false
				}
			}
		case <-timer.C:
		case <-ctx.Done():
			// What has arrived counts, and so do the hops beyond one
			// still waited for.
			settle(s, m, replies, tr)
			for _, h := range append(s.complete(), s.interrupted()...) {
				res.Hops = append(res.Hops, h)
				if cfg.OnHop != nil {
					cfg.OnHop(h)
				}
			}
			res.Reached = s.reached
			res.EndReason = EndCanceled
			res.Sent = s.sent
			return res, fmt.Errorf("trace: %w", ctx.Err())
		}
	}
	res.Reached = s.reached
	res.EndReason = s.endReason
	if res.EndReason == "" {
		res.EndReason = EndMaxTTL
	}
	if cfg.MTU {
		res.PathMTU = s.ipSize(s.size)
	}
	res.Sent = s.sent
	return res, nil
}

// settleFor bounds how long settle waits for the readers.
const settleFor = 20 * time.Millisecond

// settle handles every answer the kernel already holds before any probe
// may time out. After a stall (the process descheduled for longer than a
// wait, on a busy machine) the timer can fire before the reader
// goroutines have run, and a probe answered in time would count as lost.
func settle(s *sched, m *matcher, replies <-chan reply, tr transport) {
	var deadline <-chan time.Time
	for {
		select {
		case r := <-replies:
			s.handle(r, m)
			continue
		default:
		}
		if !tr.pending() {
			return
		}
		if deadline == nil {
			t := time.NewTimer(settleFor)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case r := <-replies:
			s.handle(r, m)
		case <-deadline:
			return
		}
	}
}

// errClosed is what a transport's read returns once it is closed.
var errClosed = errors.New("trace: transport closed")
