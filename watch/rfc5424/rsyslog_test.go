package rfc5424

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/watch/record"
)

// rsyslog is a real rsyslogd in a lab node, started with its own
// configuration only: imudp and imtcp on 198.18.0.2:5514, imuxsock on a
// socket in its directory, every message written to a file with the fields
// it parsed.
type rsyslog struct {
	t    *testing.T
	node *netlab.Node
	dir  string
	cmd  *exec.Cmd
}

const rsyslogConf = `global(workDirectory="%[1]s" maxMessageSize="8k")
module(load="imudp")
module(load="imtcp")
module(load="imuxsock" SysSock.Use="off")
input(type="imudp" address="198.18.0.2" port="5514" name="udp")
input(type="imtcp" address="198.18.0.2" port="5514" name="tcp")
input(type="imuxsock" Socket="%[1]s/log" UseSpecialParser="off" ParseHostname="on" IgnoreTimestamp="off" RateLimit.Interval="0")
template(name="fields" type="string" string="%%inputname%%|%%pri%%|%%timereported:::date-rfc3339%%|%%hostname%%|%%app-name%%|%%procid%%|%%msgid%%|%%structured-data%%|%%msg%%\n")
if $app-name == "netdx" then action(type="omfile" file="%[1]s/messages" template="fields")
`

func startRsyslog(t *testing.T, node *netlab.Node) *rsyslog {
	t.Helper()
	if _, err := exec.LookPath("rsyslogd"); err != nil {
		if os.Getenv("NETDX_LAB_REQUIRED") != "" {
			t.Fatal("needs rsyslogd (apt-get install rsyslog)")
		}
		t.Skip("needs rsyslogd (apt-get install rsyslog)")
	}
	r := &rsyslog{t: t, node: node, dir: t.TempDir()}
	if err := os.WriteFile(filepath.Join(r.dir, "rsyslog.conf"), []byte(fmt.Sprintf(rsyslogConf, r.dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	r.start()
	return r
}

// start runs rsyslogd in the foreground and waits until it listens.
func (r *rsyslog) start() {
	r.t.Helper()
	r.cmd = r.node.Command(context.Background(), "rsyslogd", "-n", "-f", filepath.Join(r.dir, "rsyslog.conf"), "-i", filepath.Join(r.dir, "rsyslogd.pid"))
	r.cmd.Stdout, r.cmd.Stderr = os.Stderr, os.Stderr
	if err := r.node.Start(r.cmd); err != nil {
		r.t.Fatal(err)
	}
	waitFor(r.t, "rsyslogd listening", func() bool {
		tcp, _ := r.node.Run(context.Background(), "ss", "-Htln", "sport", "= :5514")
		udp, _ := r.node.Run(context.Background(), "ss", "-Huln", "sport", "= :5514")
		_, err := os.Stat(filepath.Join(r.dir, "log"))
		return strings.Contains(tcp, "5514") && strings.Contains(udp, "5514") && err == nil
	})
}

// stop ends rsyslogd with SIGTERM, as a service manager would.
func (r *rsyslog) stop() {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		r.t.Fatal(err)
	}
	r.cmd.Wait()
}

// line is one message as rsyslog parsed and wrote it.
type line struct {
	input, pri, ts, host, app, procid, msgid, sd, msg string
}

func (r *rsyslog) lines() []line {
	f, err := os.Open(filepath.Join(r.dir, "messages"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []line
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.SplitN(sc.Text(), "|", 9)
		if len(p) != 9 {
			r.t.Fatalf("rsyslog wrote %q", sc.Text())
		}
		out = append(out, line{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]})
	}
	return out
}

// await waits until rsyslog wrote n lines of netdx messages.
func (r *rsyslog) await(n int) []line {
	r.t.Helper()
	waitFor(r.t, fmt.Sprintf("%d messages in rsyslog's file", n), func() bool { return len(r.lines()) >= n })
	return r.lines()
}

// labWriter returns a writer to url whose connections are made in node.
func labWriter(t *testing.T, node *netlab.Node, url string, log *logBuf) *Writer {
	t.Helper()
	w, err := New(Config{URL: url, Hostname: "watcher", BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		Logger: log.logger(),
		Dial: func(ctx context.Context, network, addr string) (c net.Conn, err error) {
			err = node.Do(func() error {
				c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
				return err
			})
			return c, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func rsyslogLab(t *testing.T) (watcher *netlab.Node, rs *rsyslog) {
	l := netlab.New(t)
	a, b := l.Node("watch"), l.Node("log")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24"), B: netlab.Prefixes("198.18.0.2/24")})
	return a, startRsyslog(t, b)
}

// TestIntegrationRsyslog: the real rsyslog receives netdx's messages over
// UDP, TCP and its unix socket, parses them as RFC 5424 and finds the
// structured data exactly as netdx wrote it (escapes included).
func TestIntegrationRsyslog(t *testing.T) {
	watcher, rs := rsyslogLab(t)
	recs := examples()
	var want []record.Record
	for _, url := range []string{"udp://198.18.0.2:5514", "tcp://198.18.0.2:5514", "unix://" + filepath.Join(rs.dir, "log")} {
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
		rs.await(len(want))
	}
	got := rs.lines()
	if len(got) != len(want) {
		t.Fatalf("rsyslog wrote %d messages, want %d", len(got), len(want))
	}
	inputs := map[string]int{}
	for i, l := range got {
		r := want[i]
		inputs[l.input]++
		sev, main, ev, text := describe(r)
		m, err := parse([]byte("<1>1 - - - - - " + l.sd))
		if err != nil {
			t.Fatalf("%s: rsyslog's structured data %q: %v", l.input, l.sd, err)
		}
		wantSD := element("meta", []param{{"sequenceId", m.sd["meta"]["sequenceId"]}}) + element(SDID, main) + element(SDIDEvidence, ev)
		host := cmpOr(r.Host, "watcher")
		if l.sd != wantSD || l.msgid != string(r.Kind) || l.app != "netdx" || l.procid != fmt.Sprint(os.Getpid()) ||
			l.host != host || l.pri != fmt.Sprint(3*8+sev) || strings.TrimPrefix(l.msg, "\uFEFF") != strings.TrimSpace(text) {
			t.Errorf("%s message %d:\n got %+v\nwant sd %s msgid %s host %s pri %d msg %q", l.input, i, l, wantSD, r.Kind, host, 3*8+sev, text)
		}
		if !strings.HasPrefix(l.ts, "2025-03-01T02:0") {
			t.Errorf("%s: timestamp %q", l.input, l.ts)
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
	rs.await(3)

	// Down: rsyslog stops; the writer sees its connection end.
	rs.stop()
	waitFor(t, "the writer to notice", func() bool { return w.Stats().Disconnects == 1 })
	for i := 3; i < 8; i++ {
		w.Write(audit(i))
	}
	waitFor(t, "failed reconnections", func() bool { return w.Stats().DialErrors >= 2 })
	rs.start()
	rs.await(8)

	// Unacknowledged: rsyslog's host drops what the writer sends, then
	// rsyslog restarts; what was in flight is sent again.
	rs.node.Fault(netlab.Input, "tcp dport 5514 drop")
	for i := 8; i < 11; i++ {
		w.Write(audit(i))
	}
	waitFor(t, "three unacknowledged messages", func() bool { return w.Stats().Unacked == 3 })
	rs.stop()
	waitFor(t, "the writer to notice", func() bool { return w.Stats().Disconnects == 2 })
	rs.node.ClearFaults()
	rs.start()
	got := rs.await(11)
	time.Sleep(200 * time.Millisecond) // a duplicate would come now
	got = rs.lines()

	count := map[string]int{}
	for _, l := range got {
		m, err := parse([]byte("<1>1 - - - - - " + l.sd))
		if err != nil {
			t.Fatal(err)
		}
		count[m.sd[SDID]["local"]]++
	}
	for i := range 11 {
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
