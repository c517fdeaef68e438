package sockets

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"

	"netdx/internal/namespace"
)

// This file is for callers that follow TCP sockets over time (watch's
// connection audit): a dump that keeps each socket's cookie, and the
// kernel's notifications of destroyed sockets.

// Entry is one TCP socket as a sock_diag message describes it. Cookie names
// the socket for as long as the kernel runs (a reused address pair gets a
// new one), so it tells a socket seen in a dump from the same socket in its
// destroy notification.
type Entry struct {
	Family string         `json:"family"` // ipv4, ipv6
	State  string         `json:"state"`
	Local  netip.AddrPort `json:"local"`
	Remote netip.AddrPort `json:"remote"`
	UID    uint32         `json:"uid"`
	// Inode is 0 in destroy notifications: the socket has left its file.
	Inode  uint32 `json:"inode"`
	Cookie uint64 `json:"cookie"`
}

// ParseEntry decodes one inet_diag_msg (a dump answer or a destroy
// notification) of a TCP socket.
func ParseEntry(b []byte) (Entry, error) {
	r, err := parseInetDiag(b)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{
		Family: "ipv4", State: StateName("tcp", r.State),
		Local: r.Local, Remote: r.Remote, UID: r.UID, Inode: r.Inode,
		// inet_diag_sockid.idiag_cookie: two u32 halves, low first.
		Cookie: uint64(binary.NativeEndian.Uint32(b[44:])) | uint64(binary.NativeEndian.Uint32(b[48:]))<<32,
	}
	switch r.Family {
	case unix.AF_INET:
	case unix.AF_INET6:
		e.Family = "ipv6"
	default:
		return Entry{}, fmt.Errorf("sockets: inet_diag message of address family %d", r.Family)
	}
	return e, nil
}

// DumpTCP lists the TCP sockets, IPv4 and IPv6, of the namespace at netns
// ("" for the caller's) that are in one of states (StateName names; none
// means all). An interrupted dump returns its entries with
// ErrDumpInterrupted.
func DumpTCP(ctx context.Context, netns string, states []string) ([]Entry, error) {
	mask := ^uint32(0)
	if len(states) > 0 {
		mask = 0
		for _, s := range states {
			n, ok := stateNumber(s)
			if !ok {
				return nil, fmt.Errorf("%w: state %q", ErrBadFilter, s)
			}
			mask |= 1 << n
		}
	}
	var out []Entry
	interrupted := false
	err := namespace.Do(netns, func() error {
		c, err := openDiag()
		if err != nil {
			return err
		}
		defer c.Close()
		for _, fam := range []uint8{unix.AF_INET, unix.AF_INET6} {
			if err := ctx.Err(); err != nil {
				return err
			}
			err := c.dump(sockDiagByFamily, inetDiagRequest(fam, unix.IPPROTO_TCP, mask, false), func(b []byte) error {
				e, err := ParseEntry(b)
				if err == nil {
					out = append(out, e)
				}
				return err
			})
			if errors.Is(err, ErrDumpInterrupted) {
				interrupted = true
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && interrupted {
		err = ErrDumpInterrupted
	}
	return out, err
}

// sock_diag multicast groups (linux/sock_diag.h, enum sknetlink_groups).
const (
	groupInetTCPDestroy  = 1
	groupInet6TCPDestroy = 3
)

// ErrOverrun means the kernel dropped destroy notifications because the
// reader fell behind (ENOBUFS): the caller should read the table again.
var ErrOverrun = errors.New("sockets: destroy notifications lost (receive buffer overrun)")

// DestroyFeed receives the kernel's notification of every TCP socket
// destroyed in a namespace, IPv4 and IPv6 (the SKNLGRP_INET_TCP_DESTROY and
// SKNLGRP_INET6_TCP_DESTROY groups of sock_diag): connections that opened
// and closed between two dumps still show up here. Joining needs
// CAP_NET_ADMIN in the namespace. Read and Close may be called from
// different goroutines; Close ends a blocked Read.
type DestroyFeed struct {
	f   *os.File
	buf []byte
}

// OpenDestroyFeed subscribes to the destroy notifications of the namespace
// at netns ("" for the caller's).
func OpenDestroyFeed(netns string) (*DestroyFeed, error) {
	var fd int
	err := namespace.Do(netns, func() error {
		var err error
		fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_SOCK_DIAG)
		if err != nil {
			return fmt.Errorf("sockets: open sock_diag socket: %w", err)
		}
		groups := uint32(1<<(groupInetTCPDestroy-1) | 1<<(groupInet6TCPDestroy-1))
		if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: groups}); err != nil {
			unix.Close(fd)
			if errors.Is(err, unix.EPERM) {
				err = fmt.Errorf("%w (destroy notifications need CAP_NET_ADMIN)", err)
			}
			return fmt.Errorf("sockets: join sock_diag destroy groups: %w", err)
		}
		// Bursts of closing connections come faster than a reader wakes.
		if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20) != nil {
			_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// A non-blocking descriptor joins Go's poller: Read waits without a
	// thread, and Close wakes it.
	return &DestroyFeed{f: os.NewFile(uintptr(fd), "sock_diag-destroy"), buf: make([]byte, 1<<16)}, nil
}

// Read waits for the next notifications and returns the sockets they
// name. It returns ErrOverrun when notifications were lost, and an error
// wrapping os.ErrClosed after Close.
func (d *DestroyFeed) Read() ([]Entry, error) {
	b, err := d.read()
	if err != nil {
		return nil, err
	}
	return ParseDestroyed(b)
}

// read returns the next datagram, valid until the next call.
func (d *DestroyFeed) read() ([]byte, error) {
	rc, err := d.f.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("sockets: destroy feed: %w", err)
	}
	var n int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, _, rerr = unix.Recvfrom(int(fd), d.buf, 0)
			if rerr != unix.EINTR {
				return rerr != unix.EAGAIN
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("sockets: destroy feed: %w", err)
	}
	switch {
	case errors.Is(rerr, unix.ENOBUFS):
		return nil, ErrOverrun
	case rerr != nil:
		return nil, fmt.Errorf("sockets: destroy feed: %w", rerr)
	}
	return d.buf[:n], nil
}

// Close ends the subscription.
func (d *DestroyFeed) Close() error { return d.f.Close() }

// ParseDestroyed decodes one datagram of destroy notifications: netlink
// messages, each an inet_diag_msg. It returns every entry it could decode,
// and an error for the first message it could not (the rest are still
// read).
func ParseDestroyed(b []byte) ([]Entry, error) {
	var out []Entry
	var first error
	// Notifications carry sequence number 0.
	_, _, err := walkMessages(b, 0, func(p []byte) error {
		e, err := ParseEntry(p)
		if err != nil {
			first = cmp.Or(first, err)
			return nil
		}
		out = append(out, e)
		return nil
	})
	return out, cmp.Or(err, first)
}
