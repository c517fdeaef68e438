package audit

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
	"netdx/watch/record"
)

// auditLab is a client and a server joined by a link, ncat listening on
// the server's telnet port.
type auditLab struct {
	client, server *netlab.Node
	ncat           *exec.Cmd
}

func newAuditLab(t *testing.T) auditLab {
	l := netlab.New(t)
	c, s := l.Node("client"), l.Node("server")
	l.Connect(c, s, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24", "2001:db8::1/64"), B: netlab.Prefixes("198.18.0.2/24", "2001:db8::2/64")})
	lab := auditLab{client: c, server: s, ncat: start(t, s, "ncat", "-l", "-k", "23")}
	s.WaitListening(23)
	return lab
}

func start(t *testing.T, n *netlab.Node, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := n.Command(context.Background(), name, args...)
	if err := n.Start(cmd); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// dial opens a TCP connection from n.
func dial(t *testing.T, n *netlab.Node, addr string) net.Conn {
	t.Helper()
	var c net.Conn
	if err := n.Do(func() (err error) { c, err = net.DialTimeout("tcp", addr, 5*time.Second); return err }); err != nil {
		t.Fatal(err)
	}
	return c
}

// run starts an auditor of the server and returns its records.
func (lab auditLab) run(t *testing.T, interval time.Duration) (*Auditor, <-chan record.Record) {
	t.Helper()
	a, err := New(Config{NetNS: "/run/netns/" + lab.server.Namespace(), Interval: interval})
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan record.Record, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	before := runtime.NumGoroutine()
	go func() { done <- a.Run(ctx, func(r record.Record) { out <- r }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
		testkit.WaitGoroutines(t, before)
	})
	testkit.WaitFor(t, "the baseline poll", time.Millisecond, func() bool { return a.Stats().Polls > 0 })
	return a, out
}

// next returns the next record, failing after 10 s.
func next(t *testing.T, out <-chan record.Record) record.Audit {
	t.Helper()
	select {
	case r := <-out:
		if err := r.Check(); err != nil || r.Kind != record.KindAudit || r.Time.IsZero() {
			t.Fatalf("record %+v: %v", r, err)
		}
		return *r.Audit
	case <-time.After(10 * time.Second):
		t.Fatal("no audit record in 10 s")
	}
	return record.Audit{}
}

// none fails if a record is waiting: call it once the auditor's Stats say
// it has handled what could have made one.
func none(t *testing.T, out <-chan record.Record) {
	t.Helper()
	select {
	case r := <-out:
		t.Fatalf("unexpected record %+v", *r.Audit)
	default:
	}
}

// TestIntegrationAuditShortLived: connections to telnet that open and
// close after the baseline read of the table, with no read after it, are
// recorded from the kernel's destroy notifications, IPv4 and IPv6, with
// ncat as their process and the cleartext flag; a connection that existed
// before the audit and an outbound one are not.
func TestIntegrationAuditShortLived(t *testing.T) {
	lab := newAuditLab(t)
	before := dial(t, lab.client, "198.18.0.2:23")
	defer before.Close()
	var outLn net.Listener
	if err := lab.client.Do(func() (err error) { outLn, err = net.Listen("tcp", "198.18.0.1:8080"); return err }); err != nil {
		t.Fatal(err)
	}
	defer outLn.Close()

	a, out := lab.run(t, time.Hour) // one read of the table: the baseline
	for _, dst := range []string{"198.18.0.2:23", "[2001:db8::2]:23"} {
		c := dial(t, lab.client, dst)
		from := c.LocalAddr().String()
		c.Close()
		got := next(t, out)
		want := record.Audit{Event: "connection", Proto: "tcp", Local: dst, Remote: from, PID: lab.ncat.Process.Pid,
			Process: "ncat", Cleartext: "telnet", Alternative: "ssh on 22 (or telnets on 992)", Closed: true}
		if got != want {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	}
	before.Close()
	c := dial(t, lab.server, "198.18.0.1:8080") // outbound from the server
	c.Close()
	// Four destroyed sockets handled: the two short-lived ones, the one
	// from before the audit and the outbound one.
	testkit.WaitFor(t, "four destroy notifications", time.Millisecond, func() bool { return a.Stats().Notifications >= 4 })
	none(t, out)
	if s := a.Stats(); s.Polls != 1 || !s.Feed || s.Closed != 2 || s.Connections != 2 || s.Notifications < 4 {
		t.Errorf("stats %+v: want 2 closed connections from notifications and no read of the table after the baseline", s)
	}
}

// TestIntegrationAuditPolls: a listener started after the baseline and a
// connection to it that stays open are recorded by the next reads of the
// table, with their process.
func TestIntegrationAuditPolls(t *testing.T) {
	lab := newAuditLab(t)
	a, out := lab.run(t, 100*time.Millisecond)
	tls := start(t, lab.server, "ncat", "-l", "-k", "992")
	lab.server.WaitListening(992)
	var listeners []record.Audit
	for len(listeners) < 2 { // ncat listens on 0.0.0.0 and [::]
		listeners = append(listeners, next(t, out))
	}
	for _, l := range listeners {
		if l.Event != "listener" || l.PID != tls.Process.Pid || l.Process != "ncat" || l.Cleartext != "" || (l.Local != "0.0.0.0:992" && l.Local != "[::]:992") {
			t.Errorf("listener %+v", l)
		}
	}
	c := dial(t, lab.client, "198.18.0.2:992")
	defer c.Close()
	got := next(t, out)
	want := record.Audit{Event: "connection", Proto: "tcp", Local: "198.18.0.2:992", Remote: c.LocalAddr().String(), PID: tls.Process.Pid, Process: "ncat"}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// A whole read of the table after the one that found the connection.
	polls := a.Stats().Polls
	testkit.WaitFor(t, "two more reads of the table", time.Millisecond, func() bool { return a.Stats().Polls >= polls+2 })
	none(t, out)
}
