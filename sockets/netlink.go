package sockets

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"netdx/internal/nlattr"
)

// ErrDumpInterrupted means the kernel's socket table changed while it was
// being dumped (NLM_F_DUMP_INTR): the results are complete for what they
// hold but may miss or repeat entries. List returns it with the results.
var ErrDumpInterrupted = errors.New("sockets: dump interrupted by a concurrent change, results may be inconsistent")

// ErrTruncated is returned by the parsers for a message shorter than its
// header claims or than the structure it must hold.
var ErrTruncated = errors.New("sockets: truncated netlink message")

// nlConn is a NETLINK_SOCK_DIAG socket, bound to the network namespace it
// was opened in.
type nlConn struct {
	fd  int
	seq uint32
	buf []byte
}

func openDiag() (*nlConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("sockets: open sock_diag socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("sockets: bind sock_diag socket: %w", err)
	}
	// A big receive buffer lets the kernel batch many sockets per read.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
	return &nlConn{fd: fd, buf: make([]byte, 1<<16)}, nil
}

func (c *nlConn) Close() error { return unix.Close(c.fd) }

// dump sends a dump request (payload after the netlink header) of msgType
// and calls fn with the payload of every answer. fn must copy what it
// keeps. An interrupted dump finishes and returns ErrDumpInterrupted.
func (c *nlConn) dump(msgType uint16, payload []byte, fn func(payload []byte) error) error {
	c.seq++
	req := make([]byte, unix.SizeofNlMsghdr+len(payload))
	binary.NativeEndian.PutUint32(req[0:], uint32(len(req)))
	binary.NativeEndian.PutUint16(req[4:], msgType)
	binary.NativeEndian.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	binary.NativeEndian.PutUint32(req[8:], c.seq)
	copy(req[unix.SizeofNlMsghdr:], payload)
	if err := unix.Sendto(c.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("sockets: send sock_diag request: %w", err)
	}
	interrupted := false
	for {
		n, _, err := unix.Recvfrom(c.fd, c.buf, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sockets: read sock_diag answer: %w", err)
		}
		done, intr, err := walkMessages(c.buf[:n], c.seq, fn)
		interrupted = interrupted || intr
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	if interrupted {
		return ErrDumpInterrupted
	}
	return nil
}

// walkMessages goes through the netlink messages in one read. It reports
// whether the dump is done (NLMSG_DONE) and whether any message carried
// NLM_F_DUMP_INTR. Messages of another sequence number are skipped.
func walkMessages(b []byte, seq uint32, fn func([]byte) error) (done, interrupted bool, err error) {
	for len(b) >= unix.SizeofNlMsghdr {
		l := binary.NativeEndian.Uint32(b[0:])
		typ := binary.NativeEndian.Uint16(b[4:])
		flags := binary.NativeEndian.Uint16(b[6:])
		s := binary.NativeEndian.Uint32(b[8:])
		if l < unix.SizeofNlMsghdr || int(l) > len(b) {
			return false, interrupted, ErrTruncated
		}
		body := b[unix.SizeofNlMsghdr:l]
		if next := nlAlign(int(l)); next < len(b) {
			b = b[next:]
		} else {
			b = nil
		}
		if s != seq {
			continue
		}
		if flags&unix.NLM_F_DUMP_INTR != 0 {
			interrupted = true
		}
		switch typ {
		case unix.NLMSG_DONE:
			return true, interrupted, nil
		case unix.NLMSG_ERROR:
			if len(body) < 4 {
				return true, interrupted, ErrTruncated
			}
			if e := int32(binary.NativeEndian.Uint32(body)); e != 0 {
				return true, interrupted, fmt.Errorf("sockets: sock_diag: %w", unix.Errno(-e))
			}
			return true, interrupted, nil
		case unix.NLMSG_NOOP, unix.NLMSG_OVERRUN:
			continue
		}
		if err := fn(body); err != nil {
			return true, interrupted, err
		}
	}
	return false, interrupted, nil
}

func nlAlign(n int) int { return (n + 3) &^ 3 }

// attrs walks the attributes of b (nlattr.Walk), reporting a bad length
// as ErrTruncated.
func attrs(b []byte, fn func(typ uint16, val []byte)) error {
	if err := nlattr.Walk(b, fn); err != nil {
		return fmt.Errorf("%w: %w", ErrTruncated, err)
	}
	return nil
}
