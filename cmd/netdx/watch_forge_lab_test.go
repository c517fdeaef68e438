package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"netdx/internal/netlab"
	"netdx/watch/record"
)

// TestIntegrationWatchForged runs netdx watch (echo streams, ICMP path
// rounds, a journal, /metrics) past an on-path forger on r1 that answers
// every echo request with forged errors and replies. The forgeries were
// invisible to the watch (388,000 left no trace in issue 19): now /metrics
// counts them by cause for the echo stream and the path rounds, the
// journal's rounds carry them, and the counts stay true (every real reply
// received, nothing lost). A clean path before the forger shows none.
func TestIntegrationWatchForged(t *testing.T) {
	bin := netdxBinary(t)
	p, targets := forgerPath(t)
	journal := filepath.Join(t.TempDir(), "watch.jsonl")
	args := append([]string{"watch", "--no-host", "--interval", "100ms", "--echo-interval", "50ms", "--path-interval", "1s",
		"-P", "icmp", "--journal", journal, "--journal-rounds", "500ms", "--listen", "127.0.0.1:9100"}, targets...)
	cmd := p.Src.Command(context.Background(), bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := p.Src.Start(cmd); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("netdx watch stderr:\n%s", stderr.String())
		}
	}()
	page := func() string {
		s, _ := labGet(p.Src, "http://127.0.0.1:9100/metrics")
		return s
	}
	series := func(name, cause, target string) string {
		return fmt.Sprintf(`%s{cause="%s",target="%s"}`, name, cause, target)
	}
	pathRounds := func(s string) bool {
		for _, tg := range targets {
			if metricValue(s, fmt.Sprintf(`netdx_path_reached{target="%s"}`, tg)) != 1 {
				return false
			}
		}
		return true
	}
	waitFor(t, "clean echo replies and path rounds to both targets", func() bool {
		s := page()
		return pathRounds(s) && metricValue(s, fmt.Sprintf(`netdx_echo_replies_total{target="%s"}`, targets[1])) >= 20
	})
	if s := page(); strings.Contains(s, "netdx_echo_invalid_total{") || strings.Contains(s, "netdx_path_invalid_total{") {
		t.Fatalf("a clean path counts invalid messages:\n%s", grepLines(s, "invalid"))
	}

	// The forgeries that fail a check (errors quoting 8 bytes, replies
	// with a bad checksum, an altered payload, from elsewhere), as
	// TestIntegrationPingForgedFlood's healthy path has them.
	f := p.Routers[0].StartForger(netlab.ForgerConfig{Interface: p.Links[0].IfB, Copies: 2,
		Kinds: netlab.ForgeAll &^ netlab.ForgeFullError})
	causes := []string{"contradicted_error", "repeated_error", "wrong_source", "wrong_token"}
	waitFor(t, "the forgeries counted by cause for the echo streams and the path rounds", func() bool {
		s := page()
		for _, tg := range targets {
			for _, c := range causes {
				if metricValue(s, series("netdx_echo_invalid_total", c, tg)) <= 0 {
					return false
				}
			}
			if pathInvalid(s, tg) <= 0 {
				return false
			}
		}
		return metricValue(s, series("netdx_echo_invalid_total", "bad_checksum", targets[0])) > 0
	})
	s := page()
	seen, sent, _ := f.Stats()
	t.Logf("forger saw %d requests, sent %d packets; /metrics:\n%s", seen, sent, grepLines(s, "invalid_total"))
	for _, tg := range targets {
		req := metricValue(s, fmt.Sprintf(`netdx_echo_requests_total{target="%s"}`, tg))
		rep := metricValue(s, fmt.Sprintf(`netdx_echo_replies_total{target="%s"}`, tg))
		if req <= 0 || rep != req || metricValue(s, fmt.Sprintf(`netdx_echo_icmp_errors_total{target="%s"}`, tg)) != 0 {
			t.Errorf("%s: %v of %v echo requests answered: the forgeries must not count as replies or errors", tg, rep, req)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("netdx watch: %v", err)
	}
	// The journal's rounds carry the counts: per target, by cause, at
	// least what /metrics showed before the stop.
	echo, path := map[string]map[string]int{}, map[string]int{}
	for _, r := range journalRecords(t, journal) {
		if r.Kind != record.KindRound {
			continue
		}
		for _, tr := range r.Round.Targets {
			if echo[tr.Target] == nil {
				echo[tr.Target] = map[string]int{}
			}
			sum := 0
			for c, n := range tr.InvalidByCause {
				echo[tr.Target][c] += n
				sum += n
			}
			if sum != tr.Invalid || tr.Received != tr.Sent {
				t.Errorf("round %d %s: invalid %d by cause %v; %d of %d received", r.Round.Seq, tr.Target, tr.Invalid, tr.InvalidByCause, tr.Received, tr.Sent)
			}
			path[tr.Target] += tr.PathInvalid
		}
	}
	for _, tg := range targets {
		for _, c := range causes {
			if float64(echo[tg][c]) < metricValue(s, series("netdx_echo_invalid_total", c, tg)) {
				t.Errorf("%s: the journal's rounds count %d %s, /metrics showed %v", tg, echo[tg][c], c, metricValue(s, series("netdx_echo_invalid_total", c, tg)))
			}
		}
		if path[tg] == 0 {
			t.Errorf("%s: no round carries path_invalid", tg)
		}
	}
}

// pathInvalid is the sum of target's netdx_path_invalid_total series on a
// /metrics page.
func pathInvalid(page, target string) float64 {
	n := 0.0
	for _, l := range strings.Split(page, "\n") {
		if strings.HasPrefix(l, "netdx_path_invalid_total{") && strings.Contains(l, `target="`+target+`"}`) {
			var v float64
			fmt.Sscan(l[strings.LastIndex(l, " ")+1:], &v)
			n += v
		}
	}
	return n
}

// grepLines are the lines of s that hold sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
