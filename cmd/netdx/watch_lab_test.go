package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/rsyslogtest"
	"netdx/watch/record"
)

// labGet fetches url from inside node's namespace.
func labGet(node *netlab.Node, u string) (string, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (c net.Conn, err error) {
			err = node.Do(func() error {
				c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
				return err
			})
			return c, err
		}}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return string(b), fmt.Errorf("%s: %s", u, resp.Status)
	}
	return string(b), err
}

// journalRecords reads every line of a journal; a line that does not parse
// fails the test.
func journalRecords(t *testing.T, path string) []record.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []record.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var r record.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("journal line %d does not parse: %v: %.200q", n, err, sc.Text())
		}
		if err := r.Check(); err != nil {
			t.Fatalf("journal line %d: %v", n, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// findingRecord is the first record of kind about a path_loss finding to
// target.
func findingRecord(recs []record.Record, kind record.Kind, target string) *record.Record {
	for i, r := range recs {
		if r.Kind == kind && r.Finding != nil && r.Finding.Kind == "path_loss" && r.Finding.Target == target {
			return &recs[i]
		}
	}
	return nil
}

// metricValue is a sample's value on a /metrics page, or -1.
func metricValue(page, series string) float64 {
	for _, l := range strings.Split(page, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// startPrometheus runs the real Prometheus server in node with its own
// configuration and a temporary storage folder, scraping target every
// second.
func startPrometheus(t *testing.T, node *netlab.Node, target string) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("NETDX_LAB_REQUIRED") != "" {
			t.Fatal("needs prometheus (apt-get install prometheus)")
		}
		t.Skip("needs prometheus (apt-get install prometheus)")
	}
	dir := t.TempDir()
	conf := fmt.Sprintf("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: netdx\n    static_configs:\n      - targets: ['%s']\n", target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := node.Command(context.Background(), bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address=127.0.0.1:9090", "--log.level=warn")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := node.Start(cmd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("prometheus:\n%s", logs.String())
		}
	})
	waitFor(t, "prometheus ready", func() bool {
		_, err := labGet(node, "http://127.0.0.1:9090/-/ready")
		return err == nil
	})
	return "http://127.0.0.1:9090"
}

// promQuery runs an instant query and returns the first sample's value,
// or -1 without one.
func promQuery(node *netlab.Node, base, q string) float64 {
	body, err := labGet(node, base+"/api/v1/query?query="+url.QueryEscape(q))
	if err != nil {
		return -1
	}
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if json.Unmarshal([]byte(body), &resp) != nil || resp.Status != "success" || len(resp.Data.Result) == 0 {
		return -1
	}
	s, _ := resp.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return -1
	}
	return v
}

// TestIntegrationWatch runs netdx watch on a lab host with everything a
// user would wire to it: a journal, syslog to a real rsyslog on the first
// router, an --on-finding command, and a real Prometheus server scraping
// /metrics. 50 % loss on the way to the target raises path_loss (journal,
// syslog, the command, /metrics); Prometheus's query API returns the
// target's loss; the loss ends and the finding is cleared everywhere;
// SIGTERM ends the watch with exit 0 and a journal of whole lines.
func TestIntegrationWatch(t *testing.T) {
	bin := netdxBinary(t)
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	src, r1 := p.Src, p.Routers[0]
	target := p.Target4().String()
	rs := rsyslogtest.Start(t, r1, p.Hop4(1).String(), 5514)
	prom := startPrometheus(t, src, "127.0.0.1:9100")

	dir := t.TempDir()
	journal, triggered := filepath.Join(dir, "watch.jsonl"), filepath.Join(dir, "triggered")
	cmd := src.Command(context.Background(), bin, "watch", "--interval", "100ms", "--echo-interval", "20ms",
		"--window", "60", "--max-loss", "10", "--raise-after", "3", "--clear-after", "3", "--path-interval", "2s",
		"--journal", journal, "--journal-rounds", "1s", "--syslog", "udp://"+p.Hop4(1).String()+":5514",
		"--on-finding", `echo "$NETDX_EVENT $NETDX_KIND $NETDX_TARGET" >> `+triggered, "--listen", "127.0.0.1:9100",
		"--probe-allow", p.Target4().String(), "--probe-allow", "2001:db8::/32", "--audit", "--snapshot-loss", "5", target)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := src.Start(cmd); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("netdx watch stderr:\n%s", stderr.String())
			for _, r := range journalRecords(t, journal) {
				if r.Finding != nil {
					t.Logf("%s %s %s %s: %s", r.Time.Format("15:04:05.000"), r.Kind, r.Finding.Kind, r.Finding.Severity, r.Finding.Summary)
				}
			}
		}
	}()
	metricsPage := func() string {
		page, _ := labGet(src, "http://127.0.0.1:9100/metrics")
		return page
	}
	loss := fmt.Sprintf(`netdx_echo_loss_ratio{target="%s"}`, target)
	raisedNow := `netdx_findings{kind="path_loss",severity="warning"}`
	waitFor(t, "a full window of clean echo replies", func() bool {
		page := metricsPage()
		return metricValue(page, fmt.Sprintf(`netdx_echo_requests_total{target="%s"}`, target)) >= 60 && metricValue(page, loss) == 0 &&
			metricValue(page, fmt.Sprintf(`netdx_target_info{addr="%s",target="%s"}`, target, target)) == 1
	})

	// The connection audit: a telnet listener opened after the watch
	// started, and a connection to it from the target that opens and
	// closes at once.
	telnet := src.Command(context.Background(), "ncat", "-l", "-k", "23")
	if err := src.Start(telnet); err != nil {
		t.Fatal(err)
	}
	src.WaitListening(23)
	waitFor(t, "the new listener in the journal", func() bool {
		for _, r := range journalRecords(t, journal) {
			if r.Kind == record.KindAudit && r.Audit.Event == record.EventListener && strings.HasSuffix(r.Audit.Local, ":23") && r.Audit.Cleartext == "telnet" {
				return true
			}
		}
		return false
	})
	if err := p.Dst.OpenAndClose(netip.AddrPortFrom(p.Hop4(1).Prev(), 23), 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the inbound connection in the journal", func() bool {
		for _, r := range journalRecords(t, journal) {
			if r.Kind == record.KindAudit && r.Audit.Event == record.EventConnection && strings.HasPrefix(r.Audit.Remote, target+":") {
				return true
			}
		}
		return false
	})

	// /probe: one check of one target, on a fresh registry.
	for module, want := range map[string]string{"icmp": "netdx_probe_echo_replies 5", "trace": "netdx_probe_hops 2", "diagnose": "netdx_probe_status 0"} {
		page, err := labGet(src, "http://127.0.0.1:9100/probe?module="+module+"&target="+target)
		if err != nil || !strings.Contains(page, "\nprobe_success 1\n") || !strings.Contains(page, "\n"+want+"\n") {
			t.Errorf("/probe module %s: %v: want probe_success 1 and %s:\n%s", module, err, want, page)
		}
	}
	// A target outside --probe-allow: refused, nothing probed.
	if page, err := labGet(src, "http://127.0.0.1:9100/probe?module=icmp&target="+p.Hop4(1).String()); err == nil ||
		!strings.Contains(err.Error(), "403") || !strings.Contains(page, "outside the allowed prefixes") {
		t.Errorf("/probe of %s outside --probe-allow: %v %q, want 403", p.Hop4(1), err, page)
	}

	r1.Loss(netlab.Forward, netip.PrefixFrom(p.Target4(), 32), 50)
	waitFor(t, "path_loss raised in the journal", func() bool {
		return findingRecord(journalRecords(t, journal), record.KindRaised, target) != nil
	})
	if v := metricValue(metricsPage(), raisedNow); v != 1 {
		t.Errorf("%s = %v while raised, want 1", raisedNow, v)
	}
	// The crossing of --snapshot-loss took a snapshot: the documents
	// netdx trace --json and netdx sockets --json print.
	waitFor(t, "a snapshot in the journal", func() bool {
		for _, r := range journalRecords(t, journal) {
			if r.Kind != record.KindSnapshot || r.Snapshot.Target != target {
				continue
			}
			var tr struct {
				Target string            `json:"target"`
				Hops   []json.RawMessage `json:"hops"`
			}
			var so struct {
				Sockets []json.RawMessage `json:"sockets"`
				Status  string            `json:"status"`
			}
			if json.Unmarshal(r.Snapshot.Trace, &tr) != nil || json.Unmarshal(r.Snapshot.Sockets, &so) != nil {
				t.Fatalf("snapshot documents do not parse: %s", r.Snapshot.Reason)
			}
			if tr.Target != target || len(tr.Hops) == 0 || len(so.Sockets) == 0 || so.Status == "" || !strings.HasPrefix(r.Snapshot.Reason, "loss ") {
				t.Fatalf("snapshot %q: trace %s, sockets %.200s", r.Snapshot.Reason, r.Snapshot.Trace, r.Snapshot.Sockets)
			}
			return true
		}
		return false
	})
	waitFor(t, "Prometheus to store the target's loss", func() bool {
		return promQuery(src, prom, fmt.Sprintf(`netdx_echo_loss_ratio{target="%s"}`, target)) > 0.2
	})
	waitFor(t, "Prometheus to see the raised finding", func() bool {
		return promQuery(src, prom, `netdx_findings{kind="path_loss",severity="warning"}`) == 1
	})

	r1.ClearFaults()
	waitFor(t, "path_loss cleared in the journal", func() bool {
		return findingRecord(journalRecords(t, journal), record.KindCleared, target) != nil
	})
	page := metricsPage()
	if metricValue(page, raisedNow) != 0 || metricValue(page, `netdx_findings_cleared_total{kind="path_loss",severity="warning"}`) != 1 ||
		metricValue(page, `netdx_findings_raised_total{kind="path_loss",severity="warning"}`) != 1 {
		t.Errorf("after the clear, /metrics says raised %v, raised_total %v, cleared_total %v", metricValue(page, raisedNow),
			metricValue(page, `netdx_findings_raised_total{kind="path_loss",severity="warning"}`),
			metricValue(page, `netdx_findings_cleared_total{kind="path_loss",severity="warning"}`))
	}

	// rsyslog received both as RFC 5424 messages with the finding's
	// structured data.
	lines := rs.Await(4)
	got := map[string]bool{}
	for _, ln := range lines {
		if strings.Contains(ln.SD, `kind="path_loss"`) && strings.Contains(ln.SD, `target="`+target+`"`) {
			got[ln.MsgID] = true
		}
	}
	for _, ln := range lines {
		if ln.MsgID == "audit" && strings.Contains(ln.SD, `cleartext="telnet"`) {
			got["audit"] = true
		}
	}
	if !got["raised"] || !got["cleared"] || !got["audit"] {
		t.Errorf("rsyslog got %+v", lines)
	}
	waitFor(t, "the --on-finding command to run for the raise and the clear", func() bool {
		b, _ := os.ReadFile(triggered)
		var loss []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, "path_loss") {
				loss = append(loss, l)
			}
		}
		// The telnet listener's findings ran it too.
		return strings.Join(loss, ";") == "raised path_loss "+target+";cleared path_loss "+target && strings.Contains(string(b), "raised cleartext_service \n")
	})

	page = metricsPage()
	if metricValue(page, `netdx_audit_events_total{event="listener"}`) < 1 || metricValue(page, `netdx_audit_events_total{event="connection"}`) < 1 {
		t.Errorf("/metrics does not count the audit's records")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("netdx watch after SIGTERM: %v, want exit 0", err)
	}
	recs := journalRecords(t, journal)
	raised, cleared := findingRecord(recs, record.KindRaised, target), findingRecord(recs, record.KindCleared, target)
	if raised.Finding.Severity.String() != "warning" || !cleared.Since.Equal(raised.Time) || raised.Host == "" {
		t.Errorf("raised %+v, cleared %+v: want a warning, cleared with since = the raise's time", raised, cleared)
	}
	rounds := 0
	for _, r := range recs {
		if r.Kind == record.KindRound {
			rounds++
		}
		if (r.Kind == record.KindRaised || r.Kind == record.KindCleared) && r.Finding.Kind != "path_loss" && r.Finding.Kind != "cleartext_service" {
			t.Errorf("unexpected finding %s: %s", r.Kind, r.Finding.Summary)
		}
	}
	if rounds == 0 {
		t.Error("no round record in the journal")
	}
}

// TestIntegrationWatchStopRound: a watch stopped before its first journal
// round (every hour) writes one round on SIGTERM with what it measured,
// not nothing.
func TestIntegrationWatchStopRound(t *testing.T) {
	bin := netdxBinary(t)
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{})
	journal := filepath.Join(t.TempDir(), "watch.jsonl")
	cmd := p.Src.Command(context.Background(), bin, "watch", "--no-host", "--interval", "100ms", "--journal-rounds", "1h",
		"--path-interval", "0", "--journal", journal, p.Target4().String())
	replies := icmpIn(t, p.Src, "InEchoReps")
	if err := p.Src.Start(cmd); err != nil {
		t.Fatal(err)
	}
	// Requests every 100 ms, answered at once: stop after a few.
	waitICMP(t, p.Src, "InEchoReps", replies+5)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("netdx watch after SIGTERM: %v, want exit 0", err)
	}
	var rounds []*record.Round
	for _, r := range journalRecords(t, journal) {
		if r.Kind == record.KindRound {
			rounds = append(rounds, r.Round)
		}
	}
	if len(rounds) != 1 || len(rounds[0].Targets) != 1 || rounds[0].Targets[0].Sent == 0 ||
		rounds[0].Targets[0].Received != rounds[0].Targets[0].Sent {
		t.Fatalf("rounds in the journal after the stop: %+v, want one with the requests sent, all answered", rounds)
	}
}

// TestIntegrationWatchKill9: netdx watch writing round records as fast as
// it can (50 targets every 10 ms) is killed with SIGKILL mid-write, then
// started again on the same journal and killed again, then once more, its
// journal moved away and SIGHUP sent (logrotate), and stopped with
// SIGTERM: every line of both files parses, each run appended, the new
// file grew after SIGHUP, and a torn tail, when a kill left one, was cut
// and said so in a notice record.
func TestIntegrationWatchKill9(t *testing.T) {
	bin := netdxBinary(t)
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{})
	var targets []string
	for i := 1; i <= 50; i++ {
		a := fmt.Sprintf("198.18.50.%d", i)
		p.Dst.MustRun("ip", "addr", "add", a+"/32", "dev", "lo")
		targets = append(targets, a)
	}
	p.Src.Route(netip.MustParsePrefix("198.18.50.0/24"), p.Target4())
	journal := filepath.Join(t.TempDir(), "watch.jsonl")
	start := func() *exec.Cmd {
		args := append([]string{"watch", "--no-host", "--interval", "10ms", "--journal-rounds", "10ms", "--path-interval", "0",
			"--flush", "0", "--journal", journal}, targets...)
		cmd := p.Src.Command(context.Background(), bin, args...)
		if err := p.Src.Start(cmd); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	size := func() int64 {
		st, err := os.Stat(journal)
		if err != nil {
			return 0
		}
		return st.Size()
	}
	var lines []int
	for run := range 3 {
		before := size()
		cmd := start()
		waitFor(t, "the journal to grow by 300 KB", func() bool { return size() > before+300<<10 })
		sig := syscall.SIGKILL
		if run == 2 {
			// logrotate: the file is moved away and netdx told with
			// SIGHUP; it opens a new one at the path.
			if err := os.Rename(journal, journal+".old"); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "a new journal after SIGHUP", func() bool { return size() > 10<<10 })
			sig = syscall.SIGTERM
		}
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		if run == 2 && err != nil {
			t.Fatalf("SIGTERM: %v, want exit 0", err)
		}
		lines = append(lines, len(journalRecords(t, journal)))
	}
	old := journalRecords(t, journal+".old")
	recs := append(old, journalRecords(t, journal)...)
	if !(lines[0] > 0 && lines[1] > lines[0] && len(old) > lines[1] && lines[2] > 0) {
		t.Errorf("lines after each run: %v, %d in the file moved away: every run must append, and the new file after SIGHUP must grow", lines, len(old))
	}
	repairs, rounds := 0, 0
	for _, r := range recs {
		switch {
		case r.Kind == record.KindNotice && r.Notice.Event == "repaired":
			repairs++
		case r.Kind == record.KindRound:
			rounds++
			if len(r.Round.Targets) != len(targets) {
				t.Fatalf("a round of %d targets", len(r.Round.Targets))
			}
		}
	}
	t.Logf("%d records, %d rounds, %d torn tails cut (runs ended at %v lines)", len(recs), rounds, repairs, lines)
}
