package main

import (
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"netdx/watch/backlog"
	"netdx/watch/journal"
	"netdx/watch/rfc5424"
	"netdx/watch/trigger"
)

// TestWatchBadFlags: watch refuses what cannot run, as every command
// does: one line naming the flag, exit 3, nothing on stdout, before any
// socket is opened or name looked up.
func TestWatchBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "--no-host"}, "--no-host needs at least one TARGET"},
		{[]string{"watch", "--listen", "127.0.0.1:0", "--probe-allow", "198.18.0.0/99", "198.18.0.9"}, "--probe-allow 198.18.0.0/99: not a prefix"},
		{[]string{"watch", "--probe-allow", "198.18.0.0/15", "198.18.0.9"}, "--probe-allow limits /probe, which needs --listen"},
		{[]string{"watch", "--interval", "0"}, "--interval 0s:"},
		{[]string{"watch", "--interval", "1ms"}, "--interval 1ms:"},
		{[]string{"watch", "--echo-interval", "0", "198.18.0.9"}, "--echo-interval 0s:"},
		{[]string{"watch", "--echo-timeout", "-1s", "198.18.0.9"}, "--echo-timeout -1s:"},
		{[]string{"watch", "--window", "100", "198.18.0.9"}, "--window 100: too small to tell a clean target from --max-loss 2%"},
		{[]string{"watch", "--window", "0", "198.18.0.9"}, "--window 0:"},
		{[]string{"watch", "--min-sample", "400", "198.18.0.9"}, "--min-sample 400: more than the window"},
		{[]string{"watch", "--path-interval", "10ms", "198.18.0.9"}, "--path-interval 10ms:"},
		{[]string{"watch", "--raise-after", "0", "198.18.0.9"}, "--raise-after 0:"},
		{[]string{"watch", "--clear-after", "0", "198.18.0.9"}, "--clear-after 0:"},
		{[]string{"watch", "--min-sample", "0", "198.18.0.9"}, "--min-sample 0:"},
		{[]string{"watch", "--echo-timeout", "0", "198.18.0.9"}, "--echo-timeout 0s:"},
		{[]string{"watch", "--snapshot-gap", "0", "198.18.0.9"}, "--snapshot-gap 0s:"},
		{[]string{"watch", "--snapshot-loss", "0", "198.18.0.9"}, "--snapshot-loss 0:"},
		{[]string{"watch", "--path-interval", "10ms", "--interval", "10ms", "198.18.0.9"}, "--path-interval 10ms: path rounds longer"},
		{[]string{"watch", "--clear-after", "-2", "198.18.0.9"}, "--clear-after -2:"},
		{[]string{"watch", "--max-loss", "0", "198.18.0.9"}, "--max-loss 0:"},
		{[]string{"watch", "--max-rtt", "0", "198.18.0.9"}, "--max-rtt 0s:"},
		{[]string{"watch", "-P", "sctp", "198.18.0.9"}, "-P sctp:"},
		{[]string{"watch", "-m", "0", "198.18.0.9"}, "-m 0:"},
		{[]string{"watch", "--snapshot-loss", "NaN", "198.18.0.9"}, "--snapshot-loss NaN:"},
		{[]string{"watch", "--snapshot-rtt", "0", "198.18.0.9"}, "--snapshot-rtt 0s:"},
		{[]string{"watch", "--journal-rounds", "1ms"}, "--journal-rounds 1ms:"},
		{[]string{"watch", "--allow-gateway", "gw"}, "--allow-gateway gw:"},
		{[]string{"watch", "--netns", "netdx-no-such-namespace"}, "--netns netdx-no-such-namespace:"},
		{[]string{"watch", "--netns", "x", "198.18.0.9"}, "--netns checks the host only"},
		{[]string{"watch", "--journal", "/tmp/x", "--on-full", "drop"}, "--on-full drop:"},
		{[]string{"watch", "--journal", "/tmp/x", "--journal-max-size", "ten"}, "--journal-max-size ten:"},
		{[]string{"watch", "--journal", "/tmp/x", "--journal-max-size", "4K"}, "--journal-max-size 4K: want at least 4194304 bytes"},
		{[]string{"watch", "--journal", "/tmp/x", "--journal-keep", "0"}, "--journal-keep 0: want at least 1"},
		{[]string{"watch", "--journal", "/tmp/x", "--flush", "-1s"}, "--flush -1s: want a positive time"},
		{[]string{"watch", "--journal", "/tmp/x", "--journal-backlog", "0"}, "--journal-backlog 0: want at least 1"},
		{[]string{"watch", "--syslog", "http://x"}, "--syslog http://x: unknown scheme"},
		{[]string{"watch", "--syslog", "udp://host:99999"}, "--syslog udp://host:99999: port 99999: want 1..65535"},
		{[]string{"watch", "--syslog", "udp://x", "--syslog-facility", "mars"}, "--syslog-facility mars: want one of"},
		{[]string{"watch", "--syslog", "udp://x", "--syslog-backlog", "0"}, "--syslog-backlog 0: want at least 1"},
		{[]string{"watch", "--on-finding", "true", "--on-finding-concurrency", "0"}, "--on-finding-concurrency 0: want 1..1024"},
		{[]string{"watch", "--on-finding", "true", "--on-finding-concurrency", "2000"}, "--on-finding-concurrency 2000: want 1..1024"},
		{[]string{"watch", "--on-finding", "true", "--on-finding-timeout", "0"}, "--on-finding-timeout 0s: want a positive time"},
		{[]string{"watch", "--listen", "not an address"}, "--listen not an address:"},
		{[]string{"watch", "-4", "-6", "198.18.0.9"}, "-4 and -6"},
	} {
		code, out, errOut := runNetdx(t, tc.args...)
		if code != exitUnknown || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "netdx watch: ") || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 3 and one line with %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

// TestServiceUnit: the unit in dist/ grants CAP_NET_RAW and nothing else,
// the drop-in adds exactly what README says, and systemd-analyze verify
// accepts both (with the unit's binary path made to exist).
func TestServiceUnit(t *testing.T) {
	unit, err := os.ReadFile("../../dist/netdx-watch.service")
	if err != nil {
		t.Fatal(err)
	}
	dropIn, err := os.ReadFile("../../dist/netdx-watch-more-caps.conf")
	if err != nil {
		t.Fatal(err)
	}
	caps := func(b []byte, key string) string {
		m := regexp.MustCompile(`(?m)^` + key + `=(.*)$`).FindSubmatch(b)
		if m == nil {
			return ""
		}
		return string(m[1])
	}
	for _, k := range []string{"AmbientCapabilities", "CapabilityBoundingSet"} {
		if got := caps(unit, k); got != "CAP_NET_RAW" {
			t.Errorf("unit %s=%q, want CAP_NET_RAW only", k, got)
		}
		if got := caps(dropIn, k); got != "CAP_NET_RAW CAP_NET_ADMIN CAP_SYS_PTRACE CAP_DAC_READ_SEARCH" {
			t.Errorf("drop-in %s=%q", k, got)
		}
	}
	for _, want := range []string{"NoNewPrivileges=yes", "ProtectSystem=strict", "DynamicUser=yes", "StateDirectory=netdx"} {
		if !strings.Contains(string(unit), "\n"+want+"\n") {
			t.Errorf("unit lacks %s", want)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze here: the unit's text was checked, not verified")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "netdx")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	local := strings.ReplaceAll(string(unit), "/usr/local/bin/netdx ", bin+" ")
	if err := os.WriteFile(filepath.Join(dir, "netdx-watch.service"), []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "netdx-watch.service.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "netdx-watch.service.d", "more-caps.conf"), dropIn, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "verify", "./netdx-watch.service")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestReadmePrometheusConfig: the scrape configuration README gives for
// netdx watch (with /probe relabelling) is one the real promtool accepts.
func TestReadmePrometheusConfig(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("NETDX_LAB_REQUIRED") != "" {
			t.Fatal("needs promtool (apt-get install prometheus)")
		}
		t.Skip("needs promtool (apt-get install prometheus)")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```yaml\n")
	conf, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 || !strings.Contains(conf, "metrics_path: /probe") {
		t.Fatal("README has no Prometheus configuration for /probe")
	}
	path := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "config", path).CombinedOutput(); err != nil {
		t.Errorf("promtool check config: %v\n%s", err, out)
	}
}

// inWatch runs do in watch's context with args.
func inWatch(t *testing.T, do func(c *cli.Context), args ...string) {
	t.Helper()
	app := newApp(io.Discard, io.Discard)
	app.Command("watch").Action = func(c *cli.Context) error { do(c); return nil }
	if err := app.Run(append([]string{"netdx", "watch"}, args...)); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
}

// TestSinksConfig: each sink's config is its package's default with the
// flags given, and nothing else, changed; --flush 0 and
// --journal-max-size -1 are the journal's own fields for "every record"
// and "never".
func TestSinksConfig(t *testing.T) {
	env := sinkEnv{host: "h1", log: slog.New(slog.DiscardHandler)}
	inWatch(t, func(c *cli.Context) {
		wantJ := journal.DefaultConfig()
		wantJ.Path, wantJ.Host, wantJ.Logger, wantJ.Keep = "/j", "h1", env.log, 7
		if got, err := journalConfig(c, env); err != nil || !reflect.DeepEqual(got, wantJ) {
			t.Errorf("journal %+v %v\nwant %+v", got, err, wantJ)
		}
		wantS := rfc5424.DefaultConfig()
		wantS.URL, wantS.Hostname, wantS.Logger, wantS.Journal, wantS.BOM = "tcp://h:601", "h1", env.log, "/j", true
		gotS, err := syslogConfig(c, env)
		if err != nil || gotS.Dial == nil {
			t.Fatalf("syslog %+v %v", gotS, err)
		}
		gotS.Dial, wantS.Dial = nil, nil
		if !reflect.DeepEqual(gotS, wantS) {
			t.Errorf("syslog %+v\nwant %+v", gotS, wantS)
		}
		wantT := trigger.DefaultConfig()
		wantT.Command, wantT.Logger, wantT.Timeout = "true", env.log, 5*time.Second
		if got, err := triggerConfig(c, env); err != nil || !reflect.DeepEqual(got, wantT) {
			t.Errorf("on-finding %+v %v\nwant %+v", got, err, wantT)
		}
	}, "--journal", "/j", "--journal-keep", "7", "--syslog", "tcp://h:601", "--syslog-bom", "--on-finding", "true", "--on-finding-timeout", "5s")
	inWatch(t, func(c *cli.Context) {
		j, err := journalConfig(c, env)
		if err != nil || !j.FlushEach || j.Flush != journal.DefaultConfig().Flush || j.MaxSize != journal.NeverRotate || j.OnFull != backlog.Stop {
			t.Errorf("journal %+v %v", j, err)
		}
		outs, err := sinkOutputs(c, env)
		if err != nil || len(outs) != 1 || outs[0].Name != "journal" {
			t.Errorf("outputs %+v %v: want the journal alone", outs, err)
		}
	}, "--journal", "/j", "--flush", "0", "--journal-max-size", "-1", "--on-full", "stop")
}

// TestSinkOptions: every field a sink names maps to one of its own flags,
// and the flag that asks for it is one of them.
func TestSinkOptions(t *testing.T) {
	for _, s := range watchSinks {
		names := map[string]bool{}
		for _, f := range s.flags() {
			for _, n := range f.Names() {
				names[dashed(n)] = true
			}
		}
		if !names[dashed(s.flag)] {
			t.Errorf("%s: asked for by --%s, which it does not define", s.name, s.flag)
		}
		for field, flag := range s.fields {
			if !names[flag] {
				t.Errorf("%s: %s maps to %s, which it does not define", s.name, field, flag)
			}
			if watchFlags[field] != flag {
				t.Errorf("%s: %s is %q in watch's table, want %s", s.name, field, watchFlags[field], flag)
			}
		}
	}
}
