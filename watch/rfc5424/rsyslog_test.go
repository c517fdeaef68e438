package rfc5424

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/rsyslogtest"
	"netdx/watch/record"
)

// labWriter returns a writer to url whose connections are made in node.
func labWriter(t *testing.T, node *netlab.Node, url string, log *logBuf) *Writer {
	t.Helper()
	cfg := config(url, log)
	cfg.Hostname, cfg.BackoffMin, cfg.BackoffMax = "watcher", 20*time.Millisecond, 200*time.Millisecond
	cfg.Dial = func(ctx context.Context, network, addr string) (c net.Conn, err error) {
		err = node.Do(func() error {
			c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}
	w := newWriter(t, cfg)
	t.Cleanup(func() { w.Close() })
	return w
}

func rsyslogLab(t *testing.T) (watcher *netlab.Node, rs *rsyslogtest.Rsyslog) {
	l := netlab.New(t)
	a, b := l.Node("watch"), l.Node("log")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24"), B: netlab.Prefixes("198.18.0.2/24")})
	return a, rsyslogtest.Start(t, b, "198.18.0.2", 5514)
}

// TestIntegrationRsyslog: the real rsyslog receives netdx's messages over
// UDP, TCP and its unix socket, parses them as RFC 5424 and finds the
// structured data exactly as netdx wrote it (escapes included).
func TestIntegrationRsyslog(t *testing.T) {
	watcher, rs := rsyslogLab(t)
	recs := examples()
	var want []record.Record
	for _, url := range []string{"udp://198.18.0.2:5514", "tcp://198.18.0.2:5514", "unix://" + filepath.Join(rs.Dir, "log")} {
		w := labWriter(t, watcher, url, &logBuf{})
		for _, r := range recs {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
			if r.Kind != record.KindRound {
				want = append(want, r)
			}
		}
		// In order per transport: wait for this one's before the next.
		rs.Await(len(want))
	}
	got := rs.Lines()
	if len(got) != len(want) {
		t.Fatalf("rsyslog wrote %d messages, want %d", len(got), len(want))
	}
	inputs := map[string]int{}
	for i, l := range got {
		r := want[i]
		inputs[l.Input]++
		sev, main, ev, text := describe(r, "")
		m, err := parse([]byte("<1>1 - - - - - " + l.SD))
		if err != nil {
			t.Fatalf("%s: rsyslog's structured data %q: %v", l.Input, l.SD, err)
		}
		wantSD := element("meta", []param{{"sequenceId", m.sd["meta"]["sequenceId"]}}) + element(SDID, main) + element(SDIDEvidence, ev)
		host := cmpOr(r.Host, "watcher")
		if l.SD != wantSD || l.MsgID != string(r.Kind) || l.App != "netdx" || l.ProcID != fmt.Sprint(os.Getpid()) ||
			l.Host != host || l.Pri != fmt.Sprint(3*8+sev) || l.Msg != strings.TrimSpace(text) {
			t.Errorf("%s message %d:\n got %+v\nwant sd %s msgid %s host %s pri %d msg %q", l.Input, i, l, wantSD, r.Kind, host, 3*8+sev, text)
		}
		if !strings.HasPrefix(l.TS, "2025-03-01T02:0") {
			t.Errorf("%s: timestamp %q", l.Input, l.TS)
		}
	}
	if inputs["udp"] != 7 || inputs["tcp"] != 7 || inputs["imuxsock"] != 7 {
		t.Errorf("messages by input: %v", inputs)
	}
}

// TestIntegrationRsyslogRestart: over TCP, messages written while rsyslog
// is stopped wait in the backlog and arrive after it comes back, once
// each; messages the kernel never acknowledged (the receiver's input
// dropped) when the connection broke are sent again.
func TestIntegrationRsyslogRestart(t *testing.T) {
	watcher, rs := rsyslogLab(t)
	log := &logBuf{}
	w := labWriter(t, watcher, "tcp://198.18.0.2:5514", log)
	for i := range 3 {
		w.Write(audit(i))
	}
	rs.Await(3)

	// Down: rsyslog stops; the writer sees its connection end.
	rs.Stop()
	waitFor(t, "the writer to notice", func() bool { return w.Stats().Disconnects == 1 })
	for i := 3; i < 8; i++ {
		w.Write(audit(i))
	}
	waitFor(t, "failed reconnections", func() bool { return w.Stats().DialErrors >= 2 })
	rs.Start()
	rs.Await(8)

	// Unacknowledged: rsyslog's host drops what the writer sends, then
	// rsyslog restarts; what was in flight is sent again.
	rs.Node.Fault(netlab.Input, "tcp dport 5514 drop")
	for i := 8; i < 11; i++ {
		w.Write(audit(i))
	}
	waitFor(t, "three unacknowledged messages", func() bool { return w.Stats().Unacked == 3 })
	rs.Stop()
	waitFor(t, "the writer to notice", func() bool { return w.Stats().Disconnects == 2 })
	rs.Node.ClearFaults()
	rs.Start()
	rs.Await(11)
	// A duplicate, resent before anything newer, would be in by the time
	// a record written now is (one connection; rsyslog writes in order).
	w.Write(audit(11))
	got := rs.Await(12)

	count := map[string]int{}
	for _, l := range got {
		m, err := parse([]byte("<1>1 - - - - - " + l.SD))
		if err != nil {
			t.Fatal(err)
		}
		count[m.sd[SDID]["local"]]++
	}
	for i := range 12 {
		if n := count[fmt.Sprintf("198.18.0.2:%d", 1000+i)]; n != 1 {
			t.Errorf("audit %d arrived %d times", i, n)
		}
	}
	if s := w.Stats(); s.Resent != 3 || s.Dropped != 0 || s.Connects != 3 {
		t.Errorf("stats %+v: want the 3 unacknowledged messages resent, nothing dropped, 3 connections", s)
	}
	t.Logf("writer log:\n%s", log.String())
	if strings.Count(log.String(), "connection lost") != 2 {
		t.Errorf("log:\n%s", log.String())
	}
}

// TestIntegrationRsyslogUDPLoss: the real rsyslog stops for a few seconds
// while messages go to it over UDP, 20 a second. UDP cannot resend; the
// writer must still say how many were lost. It counted one before (the
// socket keeps the last error only); now, with its host's ICMP rate limit
// off, every lost message is counted, exactly what rsyslog did not
// receive. With Linux's default limit (a burst of 6, then 1 a second) the
// refusals confirmed and those presumed between them never claim more
// than was lost, and claim most of it.
func TestIntegrationRsyslogUDPLoss(t *testing.T) {
	for _, limited := range []bool{false, true} {
		t.Run(fmt.Sprintf("icmp_ratelimit=%v", limited), func(t *testing.T) {
			watcher, rs := rsyslogLab(t)
			if !limited {
				rs.Node.NoICMPRateLimit()
			}
			log := &logBuf{}
			w := labWriter(t, watcher, "udp://198.18.0.2:5514", log)
			n := 0
			send := func(k int) {
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for range k {
					<-tick.C
					if err := w.Write(audit(n)); err != nil {
						t.Fatal(err)
					}
					n++
				}
				waitFor(t, "the sends", func() bool { return w.Stats().Sent == uint64(n) })
			}
			send(10)
			rs.Await(10)
			rs.Stop()
			send(60) // 3 s while rsyslog is down
			rs.Start()
			send(10)
			got := rs.Await(20)
			// Every message is in by the time the last one is (one
			// socket, one receiver, in order on the lab's wire), and
			// every refusal long before: Close reads the last ones.
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			lost := n - len(got)
			s := w.Stats()
			t.Logf("sent %d, rsyslog received %d: %d lost; the writer counted %d refused + %d presumed = %d dropped", n, len(got), lost, s.Refused, s.Presumed, s.Dropped)
			t.Logf("writer log:\n%s", log.String())
			switch {
			case lost < 50:
				t.Fatalf("%d lost while rsyslog was down for 60 messages: not the outage the test needs", lost)
			case !limited && (s.Dropped != uint64(lost) || s.Presumed != 0):
				t.Errorf("dropped %d (%d presumed), want exactly the %d lost", s.Dropped, s.Presumed, lost)
			case limited && (s.Dropped > uint64(lost) || s.Dropped < uint64(lost)/2 || s.Refused < 7):
				t.Errorf("dropped %d (%d refused), want at most the %d lost and at least half of them, from 7 refusals or more", s.Dropped, s.Refused, lost)
			}
			if log.Count("refused messages sent over UDP") == 0 {
				t.Errorf("no log line says messages were refused")
			}
		})
	}
}
