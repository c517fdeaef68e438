package sockets

import (
	"context"
	"net"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"netdx/internal/namespace"
	"netdx/internal/netlab"
)

// BenchmarkIntegrationTCPDump reads 18 000 TCP sockets (9 000 connections
// inside a lab namespace) with tcp_info three ways: this package's own
// sock_diag request and parser, the whole List (sockets built, sorted),
// and vishvananda/netlink's SocketDiagTCPInfo. Run as root:
//
//	go test ./sockets -run XXX -bench IntegrationTCPDump -benchtime 20x
func BenchmarkIntegrationTCPDump(b *testing.B) {
	l := netlab.New(b)
	a := l.Node("a")
	const conns = 9000
	var keep []net.Conn
	err := a.Do(func() error {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		for range conns {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return err
			}
			s, err := ln.Accept()
			if err != nil {
				return err
			}
			keep = append(keep, c, s)
		}
		return nil
	})
	b.Cleanup(func() {
		for _, c := range keep {
			c.Close()
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	ns := nsPath(a)
	b.Run("own-dump", func(b *testing.B) {
		for b.Loop() {
			n := 0
			err := namespace.Do(ns, func() error {
				c, err := openDiag()
				if err != nil {
					return err
				}
				defer c.Close()
				for _, fam := range []uint8{unix.AF_INET, unix.AF_INET6} {
					err := c.dump(sockDiagByFamily, inetDiagRequest(fam, unix.IPPROTO_TCP, ^uint32(0), true), func(m []byte) error {
						_, err := parseInetDiag(m)
						n++
						return err
					})
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil || n < 2*conns {
				b.Fatalf("%d sockets, %v", n, err)
			}
		}
	})
	b.Run("List", func(b *testing.B) {
		for b.Loop() {
			t, err := List(context.Background(), withConfig(func(c *Config) { c.NetNS, c.All, c.Protos, c.TCPInfo = ns, true, []string{"tcp"}, true }))
			if err != nil || len(t.Sockets) < 2*conns {
				b.Fatalf("%d sockets, %v", len(t.Sockets), err)
			}
		}
	})
	b.Run("vishvananda-SocketDiagTCPInfo", func(b *testing.B) {
		nsh, err := netns.GetFromPath(ns)
		if err != nil {
			b.Fatal(err)
		}
		defer nsh.Close()
		h, err := netlink.NewHandleAt(nsh, unix.NETLINK_SOCK_DIAG)
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		for b.Loop() {
			n := 0
			for _, fam := range []uint8{unix.AF_INET, unix.AF_INET6} {
				r, err := h.SocketDiagTCPInfo(fam)
				if err != nil {
					b.Fatal(err)
				}
				n += len(r)
			}
			if n < 2*conns {
				b.Fatalf("%d sockets", n)
			}
		}
	})
}
