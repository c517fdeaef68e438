package rfc5424

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"netdx/watch/backlog"
	"netdx/watch/record"
)

func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// TestTCPFraming: messages arrive whole, in order, one frame each.
func TestTCPFraming(t *testing.T) {
	srv := listenTCP(t, "127.0.0.1:0")
	w := newWriter(t, config("tcp://"+srv.addr(), &logBuf{}))
	for i := range 5 {
		if err := w.Write(audit(i)); err != nil {
			t.Fatal(err)
		}
	}
	got := receive(t, srv.msgs, 5)
	if p := ports(got); !slices.Equal(p, seq(0, 4)) {
		t.Errorf("ports %v", p)
	}
	for i, m := range got {
		if m.sd["meta"]["sequenceId"] != strconv.Itoa(i+1) {
			t.Errorf("message %d: sequenceId %q", i, m.sd["meta"]["sequenceId"])
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if s := w.Stats(); s.Sent != 5 || s.Connects != 1 || s.Dropped != 0 || s.Backlog != 0 || s.Unacked != 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestTCPReconnect: the receiver goes away (its connections closed, its
// port refusing); records written meanwhile wait in the backlog and arrive,
// in order and once, when it is back.
func TestTCPReconnect(t *testing.T) {
	srv := listenTCP(t, "127.0.0.1:0")
	addr := srv.addr()
	log := &logBuf{}
	cfg := config("tcp://"+addr, log)
	cfg.BackoffMin, cfg.BackoffMax = 10*time.Millisecond, 50*time.Millisecond
	w := newWriter(t, cfg)
	defer w.Close()
	for i := range 3 {
		w.Write(audit(i))
	}
	receive(t, srv.msgs, 3)
	srv.stop()
	waitFor(t, "the writer to see the connection close", func() bool { return w.Stats().Disconnects == 1 })
	for i := 3; i < 10; i++ {
		w.Write(audit(i))
	}
	waitFor(t, "failed reconnections", func() bool { return w.Stats().DialErrors >= 2 })
	if s := w.Stats(); s.Backlog != 7 || s.Dropped != 0 {
		t.Errorf("while away: stats %+v", s)
	}
	srv = listenTCP(t, addr)
	got := receive(t, srv.msgs, 7)
	w.Close() // whatever else it would send is sent now
	srv.waitEnded(t)
	quiet(t, srv.msgs)
	if p := ports(got); !slices.Equal(p, seq(3, 9)) {
		t.Errorf("after the reconnection: %v", p)
	}
	if !strings.Contains(log.String(), "connection lost") || !strings.Contains(log.String(), "cannot reach") ||
		!strings.Contains(log.String(), "connected") || strings.Count(log.String(), "cannot reach") != 1 {
		t.Errorf("log:\n%s", log.String())
	}
	if s := w.Stats(); s.Connects != 2 || s.Sent != 10 {
		t.Errorf("stats %+v", s)
	}
}

// TestBacklogDropsOldest: with nobody listening, a backlog of 3 keeps the
// newest three and counts the rest; they arrive once a receiver listens.
func TestBacklogDropsOldest(t *testing.T) {
	srv := listenTCP(t, "127.0.0.1:0")
	addr := srv.addr()
	srv.stop()
	log := &logBuf{}
	cfg := config("tcp://"+addr, log)
	cfg.Backlog, cfg.BackoffMin, cfg.BackoffMax = 3, 10*time.Millisecond, 20*time.Millisecond
	w := newWriter(t, cfg)
	defer w.Close()
	for i := range 5 {
		w.Write(audit(i))
	}
	if s := w.Stats(); s.Dropped != 2 || s.Backlog != 3 || w.Dropped() != 2 {
		t.Errorf("stats %+v", s)
	}
	if strings.Count(log.String(), "backlog full") != 1 {
		t.Errorf("log:\n%s", log.String())
	}
	srv = listenTCP(t, addr)
	if p := ports(receive(t, srv.msgs, 3)); !slices.Equal(p, seq(2, 4)) {
		t.Errorf("delivered %v", p)
	}
}

// TestUDP: one datagram a message; each message the receiver's host
// refuses (ICMP port unreachable: loopback does not rate-limit them) is
// counted as refused and dropped, not retried, and logged. A socket that
// keeps only the last error counted one in five.
func TestUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	log := &logBuf{}
	w := newWriter(t, config("udp://"+addr, log))
	defer w.Close()
	for i := range 3 {
		w.Write(audit(i))
	}
	buf := make([]byte, 4096)
	var got []message
	pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for range 3 {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		m, err := parse(buf[:n])
		if err != nil {
			t.Fatalf("%q: %v", buf[:n], err)
		}
		got = append(got, m)
	}
	if p := ports(got); !slices.Equal(p, seq(0, 2)) {
		t.Errorf("ports %v", p)
	}
	pc.Close()
	for i := 3; i < 8; i++ {
		w.Write(audit(i))
		waitFor(t, "the send", func() bool { return w.Stats().Sent == uint64(i+1) })
	}
	waitFor(t, "5 refusals", func() bool { return w.Stats().Refused == 5 })
	if s := w.Stats(); s.Dropped != 5 || s.Presumed != 0 || s.Backlog != 0 {
		t.Errorf("stats %+v: want the 5 messages sent to a closed port refused and dropped", s)
	}
	if log.Count("refused messages sent over UDP") != 1 || !strings.Contains(log.String(), "from=127.0.0.1") {
		t.Errorf("log: %s", log.String())
	}
}

// TestPresumed: messages sent between two refused ones less than
// presumeGap apart are presumed refused (the receiver's host rate-limits
// its errors); farther apart, nothing is presumed.
func TestPresumed(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 2, 3, 4, 0, time.UTC)
	d := &datagram{last: -1}
	for i := range 10 {
		msg, _ := Format(audit(i), hdr, uint32(i+1), 0)
		d.wrote(msg, t0.Add(time.Duration(i)*300*time.Millisecond))
	}
	if n := d.refuse(2); n != 0 {
		t.Errorf("the first refusal presumed %d", n)
	}
	if n := d.refuse(6); n != 3 {
		t.Errorf("3, 4 and 5 lie between refused 2 and 6 (1.2 s apart): presumed %d", n)
	}
	if n := d.refuse(4); n != 0 {
		t.Errorf("a refusal of a message already presumed presumed %d more", n)
	}
	if n := d.refuse(10); n != 3 {
		t.Errorf("7, 8 and 9 lie between refused 6 and 10 (1.2 s apart): presumed %d", n)
	}
	e := &datagram{last: -1}
	for i := range 10 {
		msg, _ := Format(audit(i), hdr, uint32(i+1), 0)
		e.wrote(msg, t0.Add(time.Duration(i)*time.Second))
	}
	e.refuse(1)
	if n := e.refuse(4); n != 0 {
		t.Errorf("refusals 3 s apart presumed %d between them", n)
	}
	if n := e.refuse(99); n != 0 {
		t.Errorf("a refusal of a message not remembered presumed %d", n)
	}
}

func TestSequenceID(t *testing.T) {
	msg, _ := Format(audit(1), hdr, 123456, 0)
	if n, ok := sequenceID(msg); !ok || n != 123456 {
		t.Errorf("%d %v: %s", n, ok, msg)
	}
	for _, b := range []string{"", "<13>1 - - - - - -", `[meta sequenceId="12`, `[meta sequenceId="x"]`, `[meta sequenceId="99999999999"]`} {
		if n, ok := sequenceID([]byte(b)); ok {
			t.Errorf("%q: %d", b, n)
		}
	}
}

// TestUnixgram: a local syslog socket that goes away keeps messages in the
// backlog until it is back.
func TestUnixgram(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	listen := func() *net.UnixConn {
		c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	read := func(c *net.UnixConn, n int) []message {
		var out []message
		buf := make([]byte, 8192)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for range n {
			k, err := c.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			m, err := parse(buf[:k])
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}
	srv := listen()
	cfg := config("unix://"+path, &logBuf{})
	cfg.BackoffMin, cfg.BackoffMax = 10*time.Millisecond, 20*time.Millisecond
	w := newWriter(t, cfg)
	defer w.Close()
	w.Write(audit(0))
	read(srv, 1)
	srv.Close()
	os.Remove(path)
	w.Write(audit(1))
	w.Write(audit(2))
	waitFor(t, "failed sends", func() bool { return w.Stats().DialErrors >= 1 })
	if s := w.Stats(); s.Dropped != 0 || s.Backlog != 2 {
		t.Errorf("stats %+v", s)
	}
	srv = listen()
	defer srv.Close()
	if p := ports(read(srv, 2)); !slices.Equal(p, []int{1, 2}) {
		t.Errorf("ports %v", p)
	}
}

// TestClose: Close delivers the backlog when it can, says what it lost
// when it cannot, and leaves no goroutine behind.
func TestClose(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := listenTCP(t, "127.0.0.1:0")
	addr := srv.addr()
	w := newWriter(t, config("tcp://"+addr, &logBuf{}))
	for i := range 50 {
		w.Write(audit(i))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	receive(t, srv.msgs, 50)
	if err := w.Write(audit(0)); !errors.Is(err, backlog.ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
	srv.stop()
	cfg := config("tcp://"+addr, &logBuf{})
	cfg.DrainTimeout, cfg.BackoffMin = 50*time.Millisecond, 10*time.Millisecond
	w = newWriter(t, cfg)
	w.Write(audit(1))
	w.Write(audit(2))
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "2 messages") {
		t.Errorf("close with the receiver away: %v", err)
	}
	if s := w.Stats(); s.Dropped != 2 {
		t.Errorf("stats %+v", s)
	}
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

// TestKinds: rounds are not sent unless asked for; bad records are refused.
func TestKinds(t *testing.T) {
	srv := listenTCP(t, "127.0.0.1:0")
	w := newWriter(t, config("tcp://"+srv.addr(), &logBuf{}))
	defer w.Close()
	round := record.Record{Kind: record.KindRound, Round: &record.Round{Seq: 1}}
	w.Write(round)
	w.Write(audit(0))
	if m := receive(t, srv.msgs, 1); m[0].msgid != "audit" {
		t.Errorf("got %+v", m)
	}
	if err := w.Write(record.Record{Kind: record.KindAudit}); err == nil {
		t.Error("a record without payload was taken")
	}
	w.Close() // whatever else it would send is sent now
	srv.waitEnded(t)
	quiet(t, srv.msgs)
	cfg := config("tcp://"+srv.addr(), &logBuf{})
	cfg.Kinds = []record.Kind{record.KindRound}
	w2 := newWriter(t, cfg)
	defer w2.Close()
	w2.Write(audit(0))
	w2.Write(round)
	if m := receive(t, srv.msgs, 1); m[0].msgid != "round" {
		t.Errorf("got %+v", m)
	}
}

// TestValidate: a field out of its bounds is refused before anything is
// dialled, named with the value given; the backlog's bounds are named by
// the writer's fields.
func TestValidate(t *testing.T) {
	for _, c := range []struct {
		field string
		value any
		set   func(*Config)
	}{
		{"Kinds", record.Kind("x"), func(c *Config) { c.Kinds = []record.Kind{"x"} }},
		{"MaxSize", 100, func(c *Config) { c.MaxSize = 100 }},
		{"MaxUDPSize", 70000, func(c *Config) { c.MaxUDPSize = 70000 }},
		{"Facility", "nope", func(c *Config) { c.Facility = "nope" }},
		{"URL", "ftp://h", func(c *Config) { c.URL = "ftp://h" }},
		{"URL", "udp://h:99999", func(c *Config) { c.URL = "udp://h:99999" }},
		{"Backlog", 0, func(c *Config) { c.Backlog = 0 }},
		{"BackoffMax", time.Millisecond, func(c *Config) { c.BackoffMax = time.Millisecond }},
		{"DrainTimeout", -time.Second, func(c *Config) { c.DrainTimeout = -time.Second }},
	} {
		cfg := config("tcp://h", &logBuf{})
		c.set(&cfg)
		var ce *ConfigError
		if _, err := New(cfg); !errors.As(err, &ce) || !errors.Is(err, ErrConfig) || ce.Field != c.field || ce.Value != c.value {
			t.Errorf("%s %v: %v", c.field, c.value, err)
		}
	}
}
