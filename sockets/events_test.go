package sockets

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netdx/internal/fixture"
	"netdx/internal/netlab"
)

// TestIntegrationDestroyFeed: a connection to b is seen by a dump while it
// is open and by the destroy feed once it closes, with the same cookie;
// with -update the feed's datagrams become testdata/destroy_tcp.hex.
func TestIntegrationDestroyFeed(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24", "2001:db8::1/64"), B: netlab.Prefixes("198.18.0.2/24", "2001:db8::2/64")})
	feed, err := OpenDestroyFeed(nsPath(b))
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	var lns []net.Listener
	err = b.Do(func() error {
		for _, addr := range []string{"198.18.0.2:2323", "[2001:db8::2]:2323"} {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			lns = append(lns, ln)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var raw [][]byte
	for _, ln := range lns {
		dst := ln.Addr().String()
		var c net.Conn
		if err := a.Do(func() (err error) { c, err = net.DialTimeout("tcp", dst, 5*time.Second); return err }); err != nil {
			t.Fatal(err)
		}
		srv, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		open, err := DumpTCP(context.Background(), nsPath(b), []string{"ESTABLISHED"})
		if err != nil {
			t.Fatal(err)
		}
		client := netip.MustParseAddrPort(c.LocalAddr().String())
		var cookie uint64
		for _, e := range open {
			if e.Remote == client {
				cookie = e.Cookie
				if e.Inode == 0 || e.Local.String() != dst {
					t.Errorf("dump: %+v, want an inode and local %s", e, dst)
				}
			}
		}
		if cookie == 0 {
			t.Fatalf("dump %+v: no ESTABLISHED socket from %v", open, client)
		}
		c.Close()
		srv.Close()
		ln.Close()
		// Expect the accepted socket's notification, then the listener's;
		// other sockets of the namespace may come in between.
		found := false
		deadline := time.AfterFunc(10*time.Second, func() { feed.Close() })
		for !found {
			b, err := feed.read()
			if err != nil {
				t.Fatalf("waiting for the destroy of %v: %v", client, err)
			}
			raw = append(raw, bytes.Clone(b))
			es, err := ParseDestroyed(b)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				if e.Remote == client {
					found = true
					if e.Cookie != cookie || e.Local.String() != dst || e.State != "CLOSE" || e.Inode != 0 {
						t.Errorf("destroyed %+v, want cookie %d, local %s, CLOSE, no inode", e, cookie, dst)
					}
				}
			}
		}
		deadline.Stop()
	}
	if *update {
		fixture.WriteHex(t, filepath.Join("testdata", "destroy_tcp.hex"),
			"sock_diag destroy notifications (whole datagrams, netlink headers included), Linux 6.18.\n"+
				"Connections from 198.18.0.1 and 2001:db8::1 to port 2323 of the namespace, closed.", raw)
	}
}

func TestParseDestroyed(t *testing.T) {
	var got []Entry
	for _, m := range fixture.ReadHex(t, "testdata/destroy_tcp.hex") {
		es, err := ParseDestroyed(m)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, es...)
	}
	want := map[string]string{"198.18.0.2:2323": "198.18.0.1", "[2001:db8::2]:2323": "2001:db8::1"}
	for _, e := range got {
		if from, ok := want[e.Local.String()]; ok && e.Remote.Addr().String() == from {
			if e.State != "CLOSE" || e.Cookie == 0 || e.Remote.Port() == 0 {
				t.Errorf("%+v: want CLOSE with a cookie and a remote port", e)
			}
			delete(want, e.Local.String())
		}
	}
	if len(want) > 0 {
		t.Errorf("entries %+v: missing the connections to %v", got, want)
	}
}

func TestParseDestroyedKeepsGoodMessages(t *testing.T) {
	msgs := fixture.ReadHex(t, "testdata/destroy_tcp.hex")
	good, err := ParseDestroyed(msgs[0])
	if err != nil || len(good) != 1 {
		t.Fatalf("fixture: %v %v", good, err)
	}
	// A short message between two good ones: both good ones are kept.
	body := msgs[0][unix.SizeofNlMsghdr:]
	dgram := append(append(nlmsg(sockDiagByFamily, 0, 0, body), nlmsg(sockDiagByFamily, 0, 0, body[:20])...), nlmsg(sockDiagByFamily, 0, 0, body)...)
	es, err := ParseDestroyed(dgram)
	if err == nil || len(es) != 2 {
		t.Errorf("got %d entries, err %v: want 2 and an error for the short one", len(es), err)
	}
}

func FuzzParseDestroyed(f *testing.F) {
	for _, m := range fixture.ReadHex(f, "testdata/destroy_tcp.hex") {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		es, _ := ParseDestroyed(b)
		for _, e := range es {
			if e.Family != "ipv4" && e.Family != "ipv6" {
				t.Fatalf("family %q", e.Family)
			}
		}
	})
}
