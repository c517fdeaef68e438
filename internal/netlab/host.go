package netlab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vishvananda/netlink"

	"netdx/internal/testkit"
)

// This file holds what a host does that its checks should notice: a link
// that flaps, a program running from a deleted file, connections that
// leave TIME_WAIT sockets behind, a bulk TCP transfer.

// onClose has fn run when the lab is torn down, before its processes are
// killed and its namespaces removed.
func (l *Lab) onClose(fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closers = append(l.closers, fn)
}

// Flapper takes an interface down and up again and again, as a bad cable
// or a rebooting switch port does to the other end of the link.
type Flapper struct {
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	cycles int
	err    error
}

// Flap starts taking interface ifname of n down and up every period (down
// for half of it) until Stop or the end of the lab. Each cycle makes the
// carrier of the interface at the other end of a veth go down and come
// back: two carrier changes there.
func (n *Node) Flap(ifname string, period time.Duration) *Flapper {
	n.lab.tb.Helper()
	h, lk := n.linkHandle(ifname)
	f := &Flapper{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		defer h.Close()
		for {
			if err := h.LinkSetDown(lk); err != nil {
				f.err = err
				return
			}
			select {
			case <-f.stop:
			case <-time.After(period / 2):
			}
			if err := h.LinkSetUp(lk); err != nil {
				f.err = err
				return
			}
			f.cycles++
			select {
			case <-f.stop:
				return
			case <-time.After(period - period/2):
			}
		}
	}()
	n.lab.onClose(func() { f.Stop() })
	return f
}

// Stop ends the flapping with the interface up and returns how many
// down-and-up cycles were made, or the error that stopped them.
func (f *Flapper) Stop() (int, error) {
	f.once.Do(func() { close(f.stop) })
	<-f.done
	return f.cycles, f.err
}

// FlapTimes takes interface ifname of n down and up times times, quickly,
// and returns with it up.
func (n *Node) FlapTimes(ifname string, times int) {
	n.lab.tb.Helper()
	h, lk := n.linkHandle(ifname)
	defer h.Close()
	for range times {
		if err := h.LinkSetDown(lk); err != nil {
			n.lab.tb.Fatalf("netlab: %s: %s down: %v", n.name, ifname, err)
		}
		if err := h.LinkSetUp(lk); err != nil {
			n.lab.tb.Fatalf("netlab: %s: %s up: %v", n.name, ifname, err)
		}
	}
}

// linkHandle opens a netlink handle inside n and finds ifname with it.
func (n *Node) linkHandle(ifname string) (*netlink.Handle, netlink.Link) {
	n.lab.tb.Helper()
	ns, err := n.NetNS()
	if err != nil {
		n.lab.tb.Fatal(err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		n.lab.tb.Fatalf("netlab: %s: netlink: %v", n.name, err)
	}
	lk, err := h.LinkByName(ifname)
	if err != nil {
		h.Close()
		n.lab.tb.Fatalf("netlab: %s: %s: %v", n.name, ifname, err)
	}
	return h, lk
}

// StartDeleted copies the program prog (a path, or a name looked up in
// PATH) to a new temporary folder as name, starts the copy in n with args
// as Start does, and deletes the file once the process runs it: the
// process's /proc/PID/exe then reads "/tmp/…/name (deleted)", the way a
// program that hides in memory looks. It returns the command and the path
// the copy had.
func (n *Node) StartDeleted(prog, name string, args ...string) (*exec.Cmd, string) {
	n.lab.tb.Helper()
	path := n.copyProgram(prog, name)
	cmd := n.Command(context.Background(), path, args...)
	if err := n.Start(cmd); err != nil {
		n.lab.tb.Fatal(err)
	}
	// "ip netns exec" runs the copy once it has entered the namespace:
	// wait for the exec before taking the file away.
	exe := fmt.Sprintf("/proc/%d/exe", cmd.Process.Pid)
	testkit.WaitFor(n.lab.tb, "netlab: "+n.name+": "+path+" to start", time.Millisecond, func() bool {
		got, err := os.Readlink(exe)
		return err == nil && got == path
	})
	if err := os.Remove(path); err != nil {
		n.lab.tb.Fatal(err)
	}
	return cmd, path
}

// copyProgram copies the program prog (a path, or a name looked up in
// PATH) to a new temporary folder, removed with the lab, as name.
func (n *Node) copyProgram(prog, name string) string {
	n.lab.tb.Helper()
	src, err := exec.LookPath(prog)
	if err != nil {
		n.lab.tb.Fatalf("netlab: %v", err)
	}
	dir, err := os.MkdirTemp("", "netlab-prog-")
	if err != nil {
		n.lab.tb.Fatal(err)
	}
	n.lab.onClose(func() { _ = os.RemoveAll(dir) })
	path := filepath.Join(dir, name)
	if err := copyFile(src, path, 0o755); err != nil {
		n.lab.tb.Fatalf("netlab: copy %s: %v", src, err)
	}
	return path
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Sink listens on addr inside n, reads everything each connection sends
// and closes it when the peer does, until the end of the lab.
func (n *Node) Sink(addr netip.AddrPort) {
	n.lab.tb.Helper()
	var ln net.Listener
	if err := n.Do(func() (err error) { ln, err = net.Listen("tcp", addr.String()); return err }); err != nil {
		n.lab.tb.Fatalf("netlab: %s: listen %s: %v", n.name, addr, err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = io.Copy(io.Discard, c)
				c.Close()
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
			}()
		}
	}()
	n.lab.onClose(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
}

// Stream is a bulk TCP transfer started by StartStream.
type Stream struct {
	c    net.Conn
	done chan struct{}
	once sync.Once
	sent atomic.Int64
	err  error
}

// StartStream opens a TCP connection from n to dst and returns once it is
// established; from then on it sends to dst as fast as it can until Stop
// or the end of the lab.
func (n *Node) StartStream(dst netip.AddrPort) *Stream {
	n.lab.tb.Helper()
	var c net.Conn
	err := n.Do(func() (err error) { c, err = net.DialTimeout("tcp", dst.String(), 10*time.Second); return err })
	if err != nil {
		n.lab.tb.Fatalf("netlab: %s: dial %s: %v", n.name, dst, err)
	}
	s := &Stream{c: c, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 64<<10)
		for {
			w, err := c.Write(buf)
			s.sent.Add(int64(w))
			if err != nil {
				s.err = err
				return
			}
		}
	}()
	n.lab.onClose(func() { s.Stop() })
	return s
}

// Stop ends the transfer and returns how many bytes it sent, and the
// error that ended it early, if any.
func (s *Stream) Stop() (int64, error) {
	stopped := false
	s.once.Do(func() {
		stopped = true
		_ = s.c.SetWriteDeadline(time.Now())
	})
	<-s.done
	s.c.Close()
	if stopped && errors.Is(s.err, os.ErrDeadlineExceeded) {
		s.err = nil
	}
	return s.sent.Load(), s.err
}

// Sent is how many bytes the stream has written so far.
func (s *Stream) Sent() int64 { return s.sent.Load() }

// OpenAndClose makes count TCP connections from n to dst one after the
// other, closing each from n's side first: n keeps count sockets in
// TIME_WAIT, each holding a local port, for the next minute.
func (n *Node) OpenAndClose(dst netip.AddrPort, count int) error {
	return n.Do(func() error {
		for i := range count {
			c, err := net.DialTimeout("tcp", dst.String(), 5*time.Second)
			if err != nil {
				return fmt.Errorf("netlab: %s: connection %d to %s: %w", n.name, i+1, dst, err)
			}
			if err := c.Close(); err != nil {
				return err
			}
		}
		return nil
	})
}

// CarrierChanges reads how often interface ifname of n changed carrier
// (/sys/class/net/IFNAME/carrier_changes, as the namespace sees it).
func (n *Node) CarrierChanges(ifname string) (int, error) {
	out, err := n.Run(context.Background(), "cat", "/sys/class/net/"+ifname+"/carrier_changes")
	if err != nil {
		return 0, err
	}
	var v int
	if _, err := fmt.Sscan(strings.TrimSpace(out), &v); err != nil {
		return 0, errors.Join(fmt.Errorf("netlab: %s: carrier_changes %q", n.name, out), err)
	}
	return v, nil
}
