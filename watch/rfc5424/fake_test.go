package rfc5424

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"netdx/internal/testkit"
	"netdx/watch/record"
)

// fakeTCP is a syslog receiver on TCP with octet-counting framing (RFC
// 6587): it hands every message to msgs and fails the test on a bad frame.
type fakeTCP struct {
	t    *testing.T
	ln   net.Listener
	msgs chan string

	mu    sync.Mutex
	conns []net.Conn
	ended []chan struct{} // closed when a connection's reader returns
	wg    sync.WaitGroup
}

func listenTCP(t *testing.T, addr string) *fakeTCP {
	t.Helper()
	// The port of a stopped server may stay busy for a moment.
	ln := testkit.Poll(t, addr+" to be free", testkit.Guard, 10*time.Millisecond, func() (net.Listener, bool) {
		ln, err := net.Listen("tcp", addr)
		return ln, err == nil
	})
	s := &fakeTCP{t: t, ln: ln, msgs: make(chan string, 1000)}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.stop)
	return s
}

func (s *fakeTCP) addr() string { return s.ln.Addr().String() }

func (s *fakeTCP) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		ended := make(chan struct{})
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.ended = append(s.ended, ended)
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer close(ended)
			if err := readFrames(c, s.msgs); err != nil {
				s.t.Errorf("fake receiver: %v", err)
			}
		}()
	}
}

// readFrames reads "LEN SP MSG" frames until the connection ends.
func readFrames(c net.Conn, out chan<- string) error {
	br := bufio.NewReader(c)
	for {
		head, err := br.ReadString(' ')
		if err != nil {
			if errors.Is(err, io.EOF) && head == "" || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("frame header %q: %w", head, err)
		}
		n, err := strconv.Atoi(head[:len(head)-1])
		if err != nil || n <= 0 {
			return fmt.Errorf("frame length %q", head)
		}
		msg := make([]byte, n)
		if _, err := io.ReadFull(br, msg); err != nil {
			return fmt.Errorf("frame of %d bytes: %w", n, err)
		}
		out <- string(msg)
	}
}

// stop closes the listener and every connection (a receiver going away).
func (s *fakeTCP) stop() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
	s.mu.Unlock()
	s.wg.Wait()
}

// receive waits for n messages and returns them parsed.
func receive(t *testing.T, msgs <-chan string, n int) []message {
	t.Helper()
	var out []message
	timeout := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case s := <-msgs:
			m, err := parse([]byte(s))
			if err != nil {
				t.Fatalf("received %q: %v", s, err)
			}
			out = append(out, m)
		case <-timeout:
			t.Fatalf("received %d messages of %d", len(out), n)
		}
	}
	return out
}

// waitEnded waits until every connection accepted so far has ended (its
// writer closed it) and its messages are in msgs.
func (s *fakeTCP) waitEnded(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	ended := append([]chan struct{}(nil), s.ended...)
	s.mu.Unlock()
	guard := time.After(testkit.Guard)
	for _, e := range ended {
		select {
		case <-e:
		case <-guard:
			t.Fatal("a connection to the fake receiver never ended")
		}
	}
}

// quiet fails if a message is waiting: call it once the receiver's
// connections have ended (waitEnded), when every message sent is in.
func quiet(t *testing.T, msgs <-chan string) {
	t.Helper()
	select {
	case s := <-msgs:
		t.Fatalf("unexpected message %q", s)
	default:
	}
}

// audit returns audit record i, its local port 1000+i.
func audit(i int) record.Record {
	return record.Record{Time: t0, Host: "h", Kind: record.KindAudit, Audit: &record.Audit{
		Event: record.EventConnection, Proto: "tcp", Local: "198.18.0.2:" + strconv.Itoa(1000+i), Remote: "198.18.0.1:40000"}}
}

// ports returns the local ports of received audit messages, minus 1000.
func ports(ms []message) []int {
	var out []int
	for _, m := range ms {
		_, p, _ := net.SplitHostPort(m.sd[SDID]["local"])
		n, _ := strconv.Atoi(p)
		out = append(out, n-1000)
	}
	return out
}

// config is DefaultConfig for url, logging to log.
func config(url string, log *logBuf) Config {
	c := DefaultConfig()
	c.URL, c.Logger = url, log.Logger()
	return c
}

// newWriter starts a writer for cfg, failing the test on an error.
func newWriter(t *testing.T, cfg Config) *Writer {
	t.Helper()
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// logBuf collects the writer's log lines.
type logBuf = testkit.LogBuffer

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	testkit.WaitFor(t, what, time.Millisecond, cond)
}
