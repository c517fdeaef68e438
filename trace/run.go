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
	defer tr.close()
	return runOn(ctx, cfg, tr)
}

// runOn runs one trace on an open transport. It closes nothing.
func runOn(ctx context.Context, cfg Config, tr transport) (Result, error) {
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Result{}, fmt.Errorf("trace: random token: %w", err)
	}
	return drive(ctx, newSched(cfg, time.Now(), binary.BigEndian.Uint16(b[:])), tr)
}

// drive runs s over tr until the trace is complete or ctx ends.
func drive(ctx context.Context, s *sched, tr transport) (Result, error) {
	cfg, m := s.cfg, tr.matcher()
	res := Result{Addr: cfg.target, Protocol: cfg.Protocol}
	replies := make(chan reply, 64)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range tr.readers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r, err := tr.read(i)
				if err != nil {
					if errors.Is(err, errClosed) {
						return
					}
					continue
				}
				select {
				case replies <- r:
				case <-stop:
					return
				}
			}
		}()
	}
	defer func() {
		close(stop)
		tr.close()
		wg.Wait()
	}()

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var sendErr error
	failed := 0
	for {
		now := time.Now()
		out, wake := s.due(now)
		for _, a := range out {
			at, err := tr.send(a)
			if err != nil {
				// A UDP socket reports a pending ICMP error on the next
				// send and drops that send: try once more.
				at, err = tr.send(a)
			}
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

// errClosed is what a transport's read returns once it is closed.
var errClosed = errors.New("trace: transport closed")
