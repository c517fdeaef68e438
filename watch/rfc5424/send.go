package rfc5424

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"netdx/watch/backlog"
)

// Timeouts of one connection.
const (
	dialTimeout  = 5 * time.Second
	writeTimeout = 10 * time.Second
	// userTimeout makes the kernel fail a TCP connection whose data stays
	// unacknowledged this long (a receiver that vanished without a FIN).
	userTimeout = 20 * time.Second
	ackPoll     = 200 * time.Millisecond
	// logEvery spaces the log lines of a series of refusals.
	logEvery = 10 * time.Second
)

var (
	errPeerClosed = errors.New("the receiver closed the connection")
	errStalled    = fmt.Errorf("the receiver acknowledged nothing for %v", writeTimeout)
)

// sender delivers a writer's messages: the Sender of its backlog, called
// from the backlog's worker goroutine, which owns the connection.
type sender struct {
	w        *Writer
	t        target
	l        *link    // nil while not connected
	failures int      // dials failed in a row
	again    [][]byte // what a broken connection left unacknowledged, for Unsent
	// refusedLog is when refusals were last logged.
	refusedLog time.Time
}

var _ backlog.Sender = (*sender)(nil)

// link is one connection to the receiver.
type link struct {
	conn    net.Conn
	raw     syscall.RawConn // for SIOCOUTQ on TCP; nil elsewhere
	dead    chan struct{}   // closed when the peer ends a stream; nil for datagrams
	reader  chan struct{}   // closed when the stream's reader has returned
	written int64           // bytes written on the connection
	unacked []pending       // written on TCP, not yet acknowledged
	dg      *datagram       // UDP: what was sent, for refusals; nil elsewhere
}

type pending struct {
	msg []byte
	end int64 // written when the message's last byte was
}

// Connect dials the receiver if there is no connection, logging the first
// failure in a row and the connection that ends them.
func (s *sender) Connect() error {
	if s.l != nil {
		return nil
	}
	l, err := s.dial()
	if err != nil {
		s.failures++
		s.w.count(func(st *Stats) { st.DialErrors++ })
		if s.failures == 1 {
			s.w.cfg.Logger.Warn("rfc5424: cannot reach the receiver, retrying with backoff", "url", s.w.cfg.URL,
				"error", err, "backlog", s.w.q.Stats().Waiting)
		}
		return err
	}
	s.l = l
	s.w.count(func(st *Stats) { st.Connects++ })
	if s.failures > 0 || s.w.Stats().Connects > 1 {
		s.w.cfg.Logger.Info("rfc5424: connected", "url", s.w.cfg.URL, "failed_attempts", s.failures, "backlog", s.w.q.Stats().Waiting)
	}
	s.failures = 0
	return nil
}

// Send writes msg on the connection. A datagram the socket refuses is
// lost; a stream that fails is ended, to be dialled again.
func (s *sender) Send(msg []byte) error {
	if s.t.network == "udp" {
		return s.sendDatagram(msg)
	}
	if err := s.room(); err != nil {
		return s.lose(err)
	}
	if err := s.l.send(s.frame(msg)); err != nil {
		return s.lose(err)
	}
	s.l.track(msg)
	s.setUnacked()
	return nil
}

// sendDatagram sends msg over UDP. The refusals queued by then are counted
// first. A send that fails with ECONNREFUSED was not made: the error was
// an earlier datagram's refusal (counted), and msg is sent once more. A
// datagram that cannot be sent is lost: UDP keeps nothing to send again.
func (s *sender) sendDatagram(msg []byte) error {
	l := s.l
	var err error
	for try := 0; try < 2; try++ {
		s.settleRefusals()
		if err = l.send(msg); err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
			break
		}
		if l.dg == nil {
			s.refused(refusals{refused: 1})
		}
	}
	if err != nil {
		return fmt.Errorf("%w: %w", backlog.ErrLost, err)
	}
	if l.dg != nil {
		l.dg.wrote(msg, time.Now())
	}
	return nil
}

// settleRefusals counts the refusals queued on a UDP link.
func (s *sender) settleRefusals() {
	if s.l != nil && s.l.dg != nil {
		s.refused(s.l.dg.drain())
	}
}

// refused counts and logs refusals: the first, then at most every
// logEvery.
func (s *sender) refused(r refusals) {
	if r.refused == 0 {
		return
	}
	var st Stats
	s.w.count(func(c *Stats) { c.Refused += uint64(r.refused); c.Presumed += uint64(r.presumed); st = *c })
	if now := time.Now(); now.Sub(s.refusedLog) >= logEvery {
		s.refusedLog = now
		s.w.cfg.Logger.Warn("rfc5424: the receiver's host refused messages sent over UDP: they are lost (UDP cannot send them again; tcp:// can)",
			"url", s.w.cfg.URL, "from", r.from, "refused_so_far", st.Refused, "presumed_so_far", st.Presumed)
	}
}

// room returns once the connection can take one more message: the peer
// has not closed it, and fewer messages than the backlog holds wait for
// an acknowledgment (it waits for them at most writeTimeout).
func (s *sender) room() error {
	l := s.l
	deadline := time.Now().Add(writeTimeout)
	for {
		select {
		case <-l.dead:
			return errPeerClosed
		default:
		}
		if len(l.unacked) < s.w.cfg.Backlog {
			return nil
		}
		if l.prune() {
			continue
		}
		if !time.Now().Before(deadline) {
			return errStalled
		}
		select {
		case <-l.dead:
		case <-time.After(ackPoll):
		}
	}
}

// frame returns the bytes to write for msg: octet counting on streams
// (RFC 6587), the message alone in a datagram.
func (s *sender) frame(msg []byte) []byte {
	if !s.t.stream {
		return msg
	}
	return append(strconv.AppendInt(nil, int64(len(msg)), 10), append([]byte{' '}, msg...)...)
}

// Pending asks for Check when the peer closes the stream, while messages
// wait for an acknowledgment, and while refusals of datagrams may come.
func (s *sender) Pending() (<-chan struct{}, time.Duration) {
	switch {
	case s.l == nil:
		return nil, 0
	case len(s.l.unacked) > 0:
		return s.l.dead, ackPoll
	case s.l.dg != nil && s.l.dg.waiting(time.Now()):
		return nil, ackPoll
	}
	return s.l.dead, 0
}

// Check ends a stream the peer closed, forgets what the receiver
// acknowledged, and counts the refusals of datagrams.
func (s *sender) Check() error {
	if s.l == nil {
		return nil
	}
	s.settleRefusals()
	select {
	case <-s.l.dead:
		return s.lose(errPeerClosed)
	default:
	}
	s.l.prune()
	s.setUnacked()
	return nil
}

// Unsent ends the connection, if any, and returns what the receiver did
// not acknowledge, of it and of the one that broke before.
func (s *sender) Unsent() [][]byte {
	if s.l != nil {
		s.l.prune()
		s.again = append(s.again, s.hangUp()...)
	}
	again := s.again
	s.again = nil
	return again
}

// lose ends a broken connection; what it did not deliver waits for
// Unsent, to be sent first on the next.
func (s *sender) lose(err error) error {
	s.l.prune()
	s.again = s.hangUp()
	s.w.count(func(st *Stats) { st.Disconnects++ })
	s.w.cfg.Logger.Warn("rfc5424: connection lost, reconnecting", "url", s.w.cfg.URL, "error", err,
		"resending", len(s.again), "backlog", s.w.q.Stats().Waiting)
	return err
}

// hangUp closes the connection and returns the unacknowledged messages.
func (s *sender) hangUp() [][]byte {
	s.settleRefusals()
	l := s.l
	s.l = nil
	l.conn.Close()
	<-l.reader
	var again [][]byte
	for _, p := range l.unacked {
		again = append(again, p.msg)
	}
	s.setUnacked()
	return again
}

func (s *sender) setUnacked() {
	n := 0
	if s.l != nil {
		n = len(s.l.unacked)
	}
	s.w.count(func(st *Stats) { st.Unacked = n })
}

// dial opens a connection to the receiver and sets it up.
func (s *sender) dial() (*link, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	c, err := s.w.cfg.Dial(ctx, s.t.network, s.t.address)
	if err != nil {
		return nil, err
	}
	l := &link{conn: c, reader: make(chan struct{})}
	if sc, ok := c.(syscall.Conn); ok && s.t.network == "tcp" {
		if raw, err := sc.SyscallConn(); err == nil {
			l.raw = raw
			_ = raw.Control(func(fd uintptr) {
				_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(userTimeout/time.Millisecond))
			})
		}
	}
	if s.t.stream {
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
	if s.t.network == "udp" {
		l.dg = newDatagram(c)
	}
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

// track keeps a message written on TCP until its bytes are acknowledged.
func (l *link) track(msg []byte) {
	if l.raw == nil {
		return
	}
	l.unacked = append(l.unacked, pending{msg, l.written})
	l.prune()
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
