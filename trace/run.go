package trace

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"time"

	"netdx/probe"
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
	// pending reports whether an answer waits in reader i's socket, not
	// yet read.
	pending(i int) bool
	// matcher tells answers apart; it knows the flows' ports and ids.
	matcher() *matcher
	close() error
}

// Run traces the path to target and returns the hops up to the target or
// the first hop that ends the path. It needs CAP_NET_RAW for ICMP and TCP
// probes; UDP probes fall back to unprivileged sockets (IP_RECVERR).
func Run(ctx context.Context, target netip.Addr, cfg Config) (Result, error) {
	cfg, err := cfg.forTarget(target)
	if err != nil {
		return Result{}, err
	}
	small := cfg.Size // --mtu probes start at the route's MTU instead
	tr, cfg, err := open(ctx, cfg)
	if err != nil {
		return Result{}, err
	}
	if cfg.OnReady != nil {
		cfg.OnReady()
	}
	sess := newSession(tr)
	defer sess.close()
	return traceOnce(ctx, cfg, sess, small)
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
				r.reader = i
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

// settle hands every answer the kernel held at now to handle before any
// probe may time out, so that a probe answered in time does not count as
// lost, nor an unverified claim stand, after a stall (probe.Settle).
func settle(handle func(reply), replies <-chan reply, tr transport, now time.Time) {
	probe.Settle(replies, handle, tr.readers(), tr.pending, func(r reply) (int, time.Time) { return r.reader, r.at }, now)
}

// errClosed is what a transport's read returns once it is closed.
var errClosed = errors.New("trace: transport closed")
