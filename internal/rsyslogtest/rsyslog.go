// Package rsyslogtest runs a real rsyslogd in a netlab node for netdx's
// integration tests, started with its own configuration only (never the
// stock one): imudp and imtcp on an address and port of the node, imuxsock
// on a socket in its own directory, and every message of app-name "netdx"
// written to a file with the fields rsyslog parsed.
//
// It is for tests only: non-test code must not import it.
package rsyslogtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

// Rsyslog is a running (or stopped) rsyslogd.
type Rsyslog struct {
	t    *testing.T
	Node *netlab.Node
	// Dir holds its configuration, work files, the unix socket "log" and
	// the "messages" file.
	Dir  string
	port string
	cmd  *exec.Cmd
}

const conf = `global(workDirectory="%[1]s" maxMessageSize="8k")
module(load="imudp")
module(load="imtcp")
module(load="imuxsock" SysSock.Use="off")
input(type="imudp" address="%[2]s" port="%[3]s" name="udp")
input(type="imtcp" address="%[2]s" port="%[3]s" name="tcp")
input(type="imuxsock" Socket="%[1]s/log" UseSpecialParser="off" ParseHostname="on" IgnoreTimestamp="off" RateLimit.Interval="0")
template(name="fields" type="string" string="%%inputname%%|%%pri%%|%%timereported:::date-rfc3339%%|%%hostname%%|%%app-name%%|%%procid%%|%%msgid%%|%%structured-data%%|%%msg%%\n")
if $app-name == "netdx" then action(type="omfile" file="%[1]s/messages" template="fields")
`

// Start runs rsyslogd in node, listening on addr:port over UDP and TCP,
// and waits until it listens. It skips the test without rsyslogd (fails
// it with NETDX_LAB_REQUIRED set); the lab stops it at the end.
func Start(t *testing.T, node *netlab.Node, addr string, port int) *Rsyslog {
	t.Helper()
	if _, err := exec.LookPath("rsyslogd"); err != nil {
		if os.Getenv("NETDX_LAB_REQUIRED") != "" {
			t.Fatal("needs rsyslogd (apt-get install rsyslog)")
		}
		t.Skip("needs rsyslogd (apt-get install rsyslog)")
	}
	r := &Rsyslog{t: t, Node: node, Dir: t.TempDir(), port: fmt.Sprint(port)}
	if err := os.WriteFile(filepath.Join(r.Dir, "rsyslog.conf"), []byte(fmt.Sprintf(conf, r.Dir, addr, r.port)), 0o644); err != nil {
		t.Fatal(err)
	}
	r.Start()
	return r
}

// Start runs rsyslogd (again) in the foreground and waits until it
// listens.
func (r *Rsyslog) Start() {
	r.t.Helper()
	r.cmd = r.Node.Command(context.Background(), "rsyslogd", "-n", "-f", filepath.Join(r.Dir, "rsyslog.conf"), "-i", filepath.Join(r.Dir, "rsyslogd.pid"))
	r.cmd.Stdout, r.cmd.Stderr = os.Stderr, os.Stderr
	if err := r.Node.Start(r.cmd); err != nil {
		r.t.Fatal(err)
	}
	testkit.WaitFor(r.t, "rsyslogd listening", time.Millisecond, func() bool {
		tcp, _ := r.Node.Run(context.Background(), "ss", "-Htln", "sport", "= :"+r.port)
		udp, _ := r.Node.Run(context.Background(), "ss", "-Huln", "sport", "= :"+r.port)
		_, err := os.Stat(filepath.Join(r.Dir, "log"))
		return strings.Contains(tcp, r.port) && strings.Contains(udp, r.port) && err == nil
	})
}

// Stop ends rsyslogd with SIGTERM, as a service manager would.
func (r *Rsyslog) Stop() {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		r.t.Fatal(err)
	}
	r.cmd.Wait()
}

// Line is one message as rsyslog parsed and wrote it.
type Line struct {
	Input, Pri, TS, Host, App, ProcID, MsgID, SD, Msg string
}

// Lines are the messages written so far.
func (r *Rsyslog) Lines() []Line {
	f, err := os.Open(filepath.Join(r.Dir, "messages"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []Line
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.SplitN(sc.Text(), "|", 9)
		if len(p) != 9 {
			r.t.Fatalf("rsyslog wrote %q", sc.Text())
		}
		out = append(out, Line{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]})
	}
	return out
}

// Await waits until rsyslog wrote n lines of netdx messages.
func (r *Rsyslog) Await(n int) []Line {
	r.t.Helper()
	return testkit.Poll(r.t, fmt.Sprintf("%d messages in rsyslog's file", n), testkit.Guard, time.Millisecond, func() ([]Line, bool) {
		l := r.Lines()
		return l, len(l) >= n
	})
}
