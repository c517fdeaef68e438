package rfc5424

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Timeouts of one connection.
const (
	dialTimeout  = 5 * time.Second
	writeTimeout = 10 * time.Second
	// userTimeout makes the kernel fail a TCP connection whose data stays
	// unacknowledged this long (a receiver that vanished without a FIN).
	userTimeout = 20 * time.Second
	ackPoll     = 200 * time.Millisecond
)

var errPeerClosed = errors.New("the receiver closed the connection")

// link is one connection to the receiver, owned by the run goroutine.
type link struct {
	conn    net.Conn
	raw     syscall.RawConn // for SIOCOUTQ on TCP; nil elsewhere
	dead    chan struct{}   // closed when the peer ends a stream; nil for datagrams
	reader  chan struct{}   // closed when the stream's reader has returned
	written int64           // bytes written on the connection
	unacked []pending       // written on TCP, not yet acknowledged
}

type pending struct {
	msg []byte
	end int64 // written when the message's last byte was
}

// run delivers the backlog until Close, then drains it for DrainTimeout.
func (w *Writer) run() {
	defer close(w.done)
	var (
		l        *link
		backoff  = w.cfg.BackoffMin
		nextDial time.Time
		failures int
		quit     = w.quit
		drainBy  <-chan time.Time
		tick     = time.NewTicker(ackPoll)
	)
	defer tick.Stop()
	defer func() {
		if l != nil {
			// Out of time: what is unacknowledged counts as undelivered.
			again := w.hangUp(l)
			w.mu.Lock()
			w.q = append(again, w.q...)
			w.mu.Unlock()
		}
	}()
	startDrain := func() { quit, drainBy = nil, time.After(w.cfg.DrainTimeout) }
	for {
		msg := w.front()
		if quit == nil && msg == nil && (l == nil || len(l.unacked) == 0) {
			return // drained
		}
		if l == nil && msg != nil {
			if wait := time.Until(nextDial); wait > 0 {
				select {
				case <-time.After(wait):
				case <-quit:
					startDrain()
				case <-drainBy:
					return
				}
				continue
			}
			var err error
			if l, err = w.connect(); err != nil {
				failures++
				w.count(func(s *Stats) { s.DialErrors++ })
				if failures == 1 {
					w.log.Warn("rfc5424: cannot reach the receiver, retrying with backoff", "url", w.cfg.URL,
						"error", err, "backlog", w.Stats().Backlog)
				}
				nextDial = time.Now().Add(jitter(backoff))
				backoff = min(2*backoff, w.cfg.BackoffMax)
				continue
			}
			if failures > 0 || w.Stats().Connects > 1 {
				w.log.Info("rfc5424: connected", "url", w.cfg.URL, "failed_attempts", failures, "backlog", w.Stats().Backlog)
			}
			failures = 0
		}
		var dead <-chan struct{}
		var ackTick <-chan time.Time // only while bytes wait for an ACK
		if l != nil {
			dead = l.dead
			if len(l.unacked) > 0 {
				ackTick = tick.C
			}
		}
		if msg == nil || l == nil || len(l.unacked) >= w.cfg.Backlog {
			select {
			case <-w.wake:
			case <-dead:
				w.lost(l, errPeerClosed)
				l, nextDial = nil, time.Now().Add(jitter(backoff))
			case <-ackTick:
				if l.prune() {
					backoff = w.cfg.BackoffMin
				}
				w.setUnacked(l)
			case <-quit:
				startDrain()
			case <-drainBy:
				return
			}
			continue
		}
		select {
		case <-dead:
			w.lost(l, errPeerClosed)
			l, nextDial = nil, time.Now().Add(jitter(backoff))
			continue
		default:
		}
		if err := l.send(w.frame(msg)); err != nil {
			if w.t.network == "udp" {
				// A datagram is gone either way; ICMP errors come back
				// on later sends. Count it and go on.
				w.sendFailed(err)
				continue
			}
			w.lost(l, err)
			l, nextDial = nil, time.Now().Add(jitter(backoff))
			backoff = min(2*backoff, w.cfg.BackoffMax)
			continue
		}
		w.sent()
		if l.track(msg) {
			backoff = w.cfg.BackoffMin
		}
		w.setUnacked(l)
	}
}

func (w *Writer) setUnacked(l *link) {
	n := 0
	if l != nil {
		n = len(l.unacked)
	}
	w.count(func(s *Stats) { s.Unacked = n })
}

// connect dials the receiver and sets the connection up.
func (w *Writer) connect() (*link, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	c, err := w.cfg.Dial(ctx, w.t.network, w.t.address)
	if err != nil {
		return nil, err
	}
	l := &link{conn: c, reader: make(chan struct{})}
	if sc, ok := c.(syscall.Conn); ok && w.t.network == "tcp" {
		if raw, err := sc.SyscallConn(); err == nil {
			l.raw = raw
			_ = raw.Control(func(fd uintptr) {
				_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(userTimeout/time.Millisecond))
			})
		}
	}
	if w.t.stream {
		// The receiver sends nothing: a read returns only when it closes.
		l.dead = make(chan struct{})
		go func() {
			defer close(l.reader)
			buf := make([]byte, 512)
			for {
				if _, err := c.Read(buf); err != nil {
					close(l.dead)
					return
				}
			}
		}()
	} else {
		close(l.reader)
	}
	w.count(func(s *Stats) { s.Connects++ })
	return l, nil
}

// send writes one frame.
func (l *link) send(b []byte) error {
	if err := l.conn.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	n, err := l.conn.Write(b)
	l.written += int64(n)
	return err
}

// track keeps a message written on TCP until its bytes are acknowledged;
// it reports whether the receiver made progress.
func (l *link) track(msg []byte) bool {
	if l.raw == nil {
		return true
	}
	l.unacked = append(l.unacked, pending{msg, l.written})
	return l.prune()
}

// prune forgets the messages the receiving kernel acknowledged, from the
// bytes still in the send queue (SIOCOUTQ: unsent and unacknowledged). It
// reports whether any was.
func (l *link) prune() bool {
	if l.raw == nil || len(l.unacked) == 0 {
		return false
	}
	outq := -1
	_ = l.raw.Control(func(fd uintptr) { outq, _ = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) })
	if outq < 0 {
		return false
	}
	acked := l.written - int64(outq)
	n := 0
	for n < len(l.unacked) && l.unacked[n].end <= acked {
		n++
	}
	l.unacked = l.unacked[n:]
	return n > 0
}

// lost ends a broken connection and puts what it did not deliver back in
// front of the backlog.
func (w *Writer) lost(l *link, err error) {
	l.prune()
	again := w.hangUp(l)
	w.requeue(again)
	w.count(func(s *Stats) { s.Disconnects++; s.Unacked = 0 })
	w.log.Warn("rfc5424: connection lost, reconnecting", "url", w.cfg.URL, "error", err,
		"resending", len(again), "backlog", w.Stats().Backlog)
}

// hangUp closes the connection and returns the unacknowledged messages.
func (w *Writer) hangUp(l *link) [][]byte {
	l.conn.Close()
	<-l.reader
	var again [][]byte
	for _, p := range l.unacked {
		again = append(again, p.msg)
	}
	return again
}

// jitter spreads d by ±20% so that many watchers do not reconnect at once.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
