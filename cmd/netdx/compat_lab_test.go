package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"netdx/internal/netlab"
)

// The lab tests of this file run the classic tools and their real
// consumers (jc, monitoring-plugins, SmokePing's fping command line, mtr)
// next to netdx on the same path, and compare what the consumers read.

// needTools skips (or fails, in CI) without the programs a test runs.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("NETDX_LAB_REQUIRED") == "1" {
				t.Fatalf("%s is not installed (.ci/run installs it)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// netdxAs is the netdx binary under another name (a link), as a
// monitoring system would run it.
func netdxAs(t *testing.T, name string) string {
	t.Helper()
	link := filepath.Join(t.TempDir(), name)
	if err := os.Symlink(netdxBinary(t), link); err != nil {
		t.Fatal(err)
	}
	return link
}

// runIn runs a program in n and returns its exit code, stdout and stderr.
func runIn(t *testing.T, n *netlab.Node, prog string, args ...string) (int, string, string) {
	t.Helper()
	cmd := n.Command(context.Background(), prog, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", prog, args, err)
	}
	return code, out.String(), errb.String()
}

// jc parses text with one of jc's parsers.
func jc(t *testing.T, parser, text string) map[string]any {
	t.Helper()
	cmd := exec.Command("jc", "--"+parser)
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jc --%s: %v on:\n%s", parser, err, text)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("jc --%s: %v: %s", parser, err, out)
	}
	return v
}

// without returns m without the keys given (the figures that differ
// from run to run).
func without(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// TestIntegrationCompatJC: jc reads netdx's ping and trace as it reads
// iputils ping and traceroute on the same path, and the classic
// "tail -1 | awk -F/ '{print $5}'" reads netdx's average.
func TestIntegrationCompatJC(t *testing.T) {
	needTools(t, "jc", "ping", "traceroute")
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1, Delays: []time.Duration{0, 5 * time.Millisecond}})
	p.Routers[0].NoICMPRateLimit()
	p.Dst.NoICMPRateLimit()
	dst := p.Target4().String()
	unreach := netip.MustParseAddr("198.18.2.99")
	p.Routers[0].Reject(netlab.Forward, netip.PrefixFrom(unreach, 32), netlab.HostUnreachable)

	for _, target := range []string{dst, unreach.String(), p.Target6().String()} {
		_, iout, _ := runIn(t, p.Src, "ping", "-n", "-c", "3", "-i", "0.2", target)
		_, nout, _ := netdxIn(t, p.Src, nil, "ping", "-c", "3", "-i", "0.2", target)
		ij, nj := jc(t, "ping", iout), jc(t, "ping", nout)
		rtt := []string{"time_ms", "round_trip_ms_min", "round_trip_ms_avg", "round_trip_ms_max", "round_trip_ms_stddev", "responses"}
		if !reflect.DeepEqual(without(ij, rtt...), without(nj, rtt...)) {
			t.Errorf("%s: jc reads\niputils %v\nnetdx   %v\niputils:\n%snetdx:\n%s", target, without(ij, rtt...), without(nj, rtt...), iout, nout)
		}
		if len(ij["responses"].([]any)) != len(nj["responses"].([]any)) {
			t.Errorf("%s: %d responses from iputils, %d from netdx", target, len(ij["responses"].([]any)), len(nj["responses"].([]any)))
		}
		for i, r := range nj["responses"].([]any) {
			ir := ij["responses"].([]any)[i].(map[string]any)
			if nr := r.(map[string]any); nr["type"] != ir["type"] || nr["icmp_seq"] != ir["icmp_seq"] || nr["ttl"] != ir["ttl"] || nr["bytes"] != ir["bytes"] || nr["response_ip"] != ir["response_ip"] {
				t.Errorf("%s: response %d: netdx %v, iputils %v", target, i, nr, ir)
			}
		}
		if target != dst {
			continue
		}
		avg, ok := nj["round_trip_ms_avg"].(float64)
		lines := strings.Split(strings.TrimSpace(nout), "\n")
		field := strings.Split(lines[len(lines)-1], "/")
		if !ok || avg < 10 || avg > 1000 || len(field) < 5 || field[4] != strconv.FormatFloat(avg, 'f', 3, 64) {
			t.Errorf("the last line's 5th /-field is %q, jc's average %v: want the average of a 10 ms path", field, nj["round_trip_ms_avg"])
		}
	}

	// traceroute: the same hops, addresses, probes and marks.
	hopsOf := func(v map[string]any) []string {
		var hops []string
		for _, h := range v["hops"].([]any) {
			hm := h.(map[string]any)
			var probes []string
			for _, pr := range hm["probes"].([]any) {
				pm := pr.(map[string]any)
				probes = append(probes, pm["ip"].(string)+" "+strings.TrimSpace(func() string { s, _ := pm["annotation"].(string); return s }()))
			}
			hops = append(hops, strconv.Itoa(int(hm["hop"].(float64)))+": "+strings.Join(probes, ", "))
		}
		return hops
	}
	for _, target := range []string{dst, unreach.String(), p.Target6().String()} {
		_, tout, _ := runIn(t, p.Src, "traceroute", "-n", "-m", "5", target)
		_, nout, _ := netdxIn(t, p.Src, nil, "trace", "-n", "-m", "5", target)
		tj, nj := jc(t, "traceroute", tout), jc(t, "traceroute", nout)
		if tj["destination_ip"] != nj["destination_ip"] || tj["destination_name"] != nj["destination_name"] ||
			!reflect.DeepEqual(hopsOf(tj), hopsOf(nj)) {
			t.Errorf("%s: jc reads\ntraceroute %v %v\nnetdx      %v %v\ntraceroute:\n%snetdx:\n%s", target, tj["destination_ip"], hopsOf(tj), nj["destination_ip"], hopsOf(nj), tout, nout)
		}
	}
}

// fpingView is what a script reads of fping's output per target: the
// reply and timeout lines on stdout, the ICMP error lines and the summary
// on stderr (the summary's counts).
func fpingView(out, errOut string) map[string]string {
	v := map[string]string{}
	count := func(key string) { v[key] = strconv.Itoa(atoi(v[key]) + 1) }
	for _, l := range strings.Split(out, "\n") {
		if m := regexp.MustCompile(`^(\S+)\s+: \[(\d+)\], (?:\d+ bytes, [\d.]+ ms \([\d.]+ avg, (\d+)% loss\)|timed out \((?:NaN|[\d.]+) avg, (\d+)% loss\))$`).FindStringSubmatch(l); m != nil {
			if m[3] != "" {
				count(m[1] + " reply")
			} else {
				count(m[1] + " timed out")
			}
		} else if l != "" {
			v["stdout?"] += l + "|"
		}
	}
	for _, l := range strings.Split(errOut, "\n") {
		switch {
		case regexp.MustCompile(`^ICMP .* from \S+ for ICMP Echo sent to \S+$`).MatchString(l):
			count(l)
		case regexp.MustCompile(`^\S+\s+: xmt/rcv/%loss = \d+/\d+/\d+%(, min/avg/max = [\d.]+/[\d.]+/[\d.]+)?$`).MatchString(l):
			f := strings.Fields(l)
			v[f[0]+" summary"] = f[4] + map[bool]string{true: " with rtt", false: ""}[strings.Contains(l, "min/avg/max")]
		case l == "":
		default:
			v["stderr?"] += l + "|"
		}
	}
	return v
}

// TestIntegrationCompatFping: several targets print as fping 5.1 prints
// them (stdout and stderr placement, per-probe timeouts, ICMP errors,
// summaries), and SmokePing's FPing probe reads the same from netdx as
// from fping: its version check, its option check and its -C lists.
func TestIntegrationCompatFping(t *testing.T) {
	needTools(t, "fping")
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].NoICMPRateLimit()
	p.Dst.NoICMPRateLimit()
	dst := p.Target4().String()
	dead, unreach := "198.18.2.98", "198.18.2.99"
	p.Routers[0].Fault(netlab.Forward, "ip daddr "+dead+" drop")
	p.Routers[0].Reject(netlab.Forward, netip.MustParsePrefix(unreach+"/32"), netlab.HostUnreachable)
	targets := []string{dst, dead, unreach, p.Target6().String()}

	_, fout, ferr := runIn(t, p.Src, "fping", append([]string{"-c", "3", "-p", "200"}, targets...)...)
	_, nout, nerr := netdxIn(t, p.Src, nil, append([]string{"ping", "-c", "3", "-i", "0.2"}, targets...)...)
	if fv, nv := fpingView(fout, ferr), fpingView(nout, nerr); !reflect.DeepEqual(fv, nv) {
		t.Errorf("fping -c reads\n%v\nnetdx\n%v\nfping:\n%s%s\nnetdx:\n%s%s", fv, nv, fout, ferr, nout, nerr)
	}

	// SmokePing's FPing probe: "binary -C 1 localhost 2>&1" must show a
	// reply line, an empty line and the -C line with the same time
	// (pingfactor 1000, milliseconds); "binary -h" must offer -S and -O;
	// then it runs binary -C N -q -B1 -r1 -4 -i10 HOSTS and reads stderr.
	fping := netdxAs(t, "fping")
	check := regexp.MustCompile(`bytes, ([0-9.]+)\sms\s+.*\n.*\n.*:\s+([0-9.]+)`)
	for _, bin := range []string{"fping", fping} {
		cmd := p.Src.Command(context.Background(), "sh", "-c", `"$0" -C 1 localhost 2>&1`, bin)
		out, _ := cmd.Output()
		if m := check.FindStringSubmatch(string(out)); m == nil || m[1] != m[2] {
			t.Errorf("%s -C 1 localhost: SmokePing would not find milliseconds in %q", bin, out)
		}
		_, hout, herr := runIn(t, p.Src, bin, "-h")
		if help := hout + herr; !regexp.MustCompile(`\s-S[,\s]`).MatchString(help) || !regexp.MustCompile(`\s-O[,\s]`).MatchString(help) {
			t.Errorf("%s -h: SmokePing would not find -S and -O:\n%s", bin, help)
		}
	}
	probe := func(bin string) (map[string][]float64, map[string]int, string) {
		_, out, errOut := runIn(t, p.Src, bin, append([]string{"-C", "5", "-q", "-B1", "-r1", "-4", "-i10", "-p200"}, dst, dead, unreach)...)
		rtts, lost := map[string][]float64{}, map[string]int{}
		for _, l := range strings.Split(errOut, "\n") {
			if !regexp.MustCompile(`^\S+\s+:\s+[-\d\.]`).MatchString(l) {
				continue
			}
			f := strings.Fields(l)
			if len(f) < 2 || f[1] != ":" {
				continue
			}
			rtts[f[0]] = []float64{}
			for _, x := range f[2:] {
				if v, err := strconv.ParseFloat(x, 64); err == nil && x[0] >= '0' && x[0] <= '9' {
					rtts[f[0]] = append(rtts[f[0]], v)
				} else if x == "-" {
					lost[f[0]]++
				}
			}
			sort.Float64s(rtts[f[0]])
		}
		return rtts, lost, out
	}
	frtt, flost, fstdout := probe("fping")
	nrtt, nlost, nstdout := probe(fping)
	if fstdout != "" || nstdout != "" {
		t.Errorf("with -q, stdout: fping %q, netdx %q; want nothing", fstdout, nstdout)
	}
	if !reflect.DeepEqual(flost, nlost) || len(frtt) != 3 || len(nrtt) != 3 || len(frtt[dst]) != 5 || len(nrtt[dst]) != 5 ||
		len(nrtt[dead]) != 0 || len(nrtt[unreach]) != 0 || nrtt[dst][4] > 100 {
		t.Errorf("SmokePing reads from fping %v (lost %v), from netdx %v (lost %v)", frtt, flost, nrtt, nlost)
	}
}

// pluginShape is a plugin's line with the measured figures blanked: what
// must be the same, byte for byte, between the plugin and netdx.
func pluginShape(line string) string {
	line = regexp.MustCompile(`RTA = [\d.]+ ms`).ReplaceAllString(line, "RTA = X ms")
	line = regexp.MustCompile(`(rta|rtmax|rtmin)=[\d.]+ms`).ReplaceAllString(line, "${1}=Xms")
	return regexp.MustCompile(`rta [\d.]+ms`).ReplaceAllString(line, "rta Xms")
}

// TestIntegrationCompatPlugins runs monitoring-plugins' check_ping and
// check_icmp and netdx (through links of those names, as a Nagios
// command definition would) on the same targets: OK, WARNING, CRITICAL,
// unreachable, a silent host, several hosts and bad input give the same
// status line (figures aside), perfdata and exit code.
func TestIntegrationCompatPlugins(t *testing.T) {
	plugins := "/usr/lib/nagios/plugins/"
	needTools(t, plugins+"check_ping", plugins+"check_icmp")
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1, Delays: []time.Duration{0, 15 * time.Millisecond}})
	p.Routers[0].NoICMPRateLimit()
	p.Dst.NoICMPRateLimit()
	dst := p.Target4().String()
	dead, hostUnreach, netUnreach, filtered := "198.18.2.98", "198.18.2.99", "198.18.2.97", "2001:db8:2::96"
	p.Routers[0].Fault(netlab.Forward, "ip daddr "+dead+" drop")
	p.Routers[0].Reject(netlab.Forward, netip.MustParsePrefix(hostUnreach+"/32"), netlab.HostUnreachable)
	p.Routers[0].Reject(netlab.Forward, netip.MustParsePrefix(netUnreach+"/32"), netlab.NetUnreachable)
	p.Routers[0].Reject(netlab.Forward, netip.MustParsePrefix(filtered+"/128"), netlab.AdminProhibited)
	// The path's RTT is 30 ms and, even on a loaded machine, far below
	// 1000 ms: each threshold pair has one outcome.
	for _, tc := range []struct {
		plugin string
		args   []string
	}{
		{"check_ping", []string{"-H", dst, "-w", "1000,20%", "-c", "2000,60%", "-p", "3"}},
		{"check_ping", []string{"-H", dst, "-w", "10,20%", "-c", "2000,60%", "-p", "3"}},
		{"check_ping", []string{"--hostname=" + dst, "--warning=5,20%", "--critical=10,60%", "--packets=2", "-4"}},
		{"check_ping", []string{"-H", p.Target6().String(), "-w", "1000,20%", "-c", "2000,60%", "-p", "2", "-6"}},
		{"check_ping", []string{"-H", hostUnreach, "-w", "100,20%", "-c", "500,60%"}},
		{"check_ping", []string{"-H", netUnreach, "-w", "100,20%", "-c", "500,60%"}},
		{"check_ping", []string{"-H", filtered, "-w", "100,20%", "-c", "500,60%"}},
		{"check_ping", []string{"-H", dead, "-w", "100,20%", "-c", "500,60%", "-p", "1"}},
		{"check_ping", []string{"-H", dst + "," + dead, "-w", "1000,20%", "-c", "2000,60%", "-p", "1"}},
		{"check_ping", []string{"-H", dst, "-w", "100,20%"}},
		{"check_ping", []string{"-H", dst, "-w", "100,20%", "-c", "50,60%"}},
		{"check_ping", []string{"-H", "nosuch.invalid", "-w", "100,20%", "-c", "500,60%"}},
		{"check_icmp", []string{"-H", dst}},
		{"check_icmp", []string{"-H", dst, "-w", "10,20%", "-c", "2000,60%"}},
		// (Not "-w 5,20%": check_icmp 2.3.3 misses the comma after a
		// one-digit RTA and keeps the default loss; netdx reads 20%.)
		{"check_icmp", []string{"-H", dst, "-w", "12,20%", "-c", "15,60%", "-n", "3"}},
		{"check_icmp", []string{"-H", hostUnreach}},
		{"check_icmp", []string{"-H", hostUnreach, "-H", netUnreach}},
		{"check_icmp", []string{"-H", dst, "-H", dead, "-n", "2", "-c", "100,80%"}},
		{"check_icmp", []string{"-H", dst, "-H", dead, "-n", "2", "-c", "100,80%", "-m", "1"}},
		{"check_icmp", []string{dst, p.Hop4(1).String(), "-w", "600,20%", "-c", "500,60%"}},
		{"check_icmp", []string{"-H", dst, "-n", "21"}},
		{"check_icmp", []string{"-H", "nosuch.invalid"}},
	} {
		pcode, pout, _ := runIn(t, p.Src, plugins+tc.plugin, tc.args...)
		ncode, nout, nerr := runIn(t, p.Src, netdxAs(t, tc.plugin), tc.args...)
		pline, nline := strings.SplitN(pout, "\n", 2)[0], strings.SplitN(nout, "\n", 2)[0]
		if strings.HasPrefix(pline, tc.plugin+": ") && pcode == exitUnknown {
			// Bad input: the plugin's first line, and netdx names the flag
			// on stderr. (The resolvers' words for a bad name differ.)
			pline, nline = strings.SplitN(pline, " - ", 2)[0], strings.SplitN(nline, " - ", 2)[0]
			pline, nline = strings.SplitN(pline, ": Temporary", 2)[0], strings.SplitN(nline, ": cannot", 2)[0]
		}
		if pcode != ncode || pluginShape(pline) != pluginShape(nline) {
			t.Errorf("%s %q:\nplugin exit %d: %q\nnetdx  exit %d: %q (stderr %q)", tc.plugin, tc.args, pcode, pline, ncode, nline, nerr)
		}
		if ncode == exitUnknown && strings.Count(nerr, "\n") != 1 {
			t.Errorf("%s %q: netdx's stderr %q, want one line naming the flag", tc.plugin, tc.args, nerr)
		}
	}
}

// TestIntegrationCompatMtr: trace --report against mtr --report on the
// same path, run twice back to back (the second run used to find the
// target's ICMP rate limit drained and print the target lossy, then
// phantom rows up to TTL 30): the same rows, hosts and columns, both
// times, and mtr's JSON keys.
func TestIntegrationCompatMtr(t *testing.T) {
	needTools(t, "mtr")
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2})
	for _, r := range p.Routers {
		r.NoICMPRateLimit()
	}
	// The target keeps Linux's ICMP rate limit, as a real host does.
	dst := p.Target4().String()
	rows := regexp.MustCompile(`(?m)^ +(\d+)\.\|-- (\S+) +([\d.]+)% +(\d+) +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+$`)
	read := func(out string) []string {
		var r []string
		for _, m := range rows.FindAllStringSubmatch(out, -1) {
			r = append(r, strings.Join(m[1:5], " "))
		}
		return r
	}
	_, mout, _ := runIn(t, p.Src, "mtr", "-n", "-r", "-c", "3", dst)
	want := read(mout)
	if len(want) != 3 {
		t.Fatalf("mtr's report:\n%s", mout)
	}
	header := regexp.MustCompile(`^Start: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}\nHOST: \S+ +Loss%   Snt   Last   Avg  Best  Wrst StDev\n`)
	for run := 1; run <= 2; run++ {
		code, out, errOut := netdxIn(t, p.Src, nil, "trace", "--report", "-n", "-c", "3", dst)
		if got := read(out); code != exitOK || !header.MatchString(out) || !reflect.DeepEqual(got, want) ||
			strings.Count(out, "\n") != 5 || len(strings.SplitN(out, "\n", 3)[1]) != len(strings.SplitN(mout, "\n", 3)[1]) {
			t.Errorf("run %d: exit %d, rows %q, want mtr's %q\nnetdx:\n%s%s\nmtr:\n%s", run, code, got, want, out, errOut, mout)
		}
	}
	_, mj, _ := runIn(t, p.Src, "mtr", "-n", "-j", "-c", "2", dst)
	_, nj, _ := netdxIn(t, p.Src, nil, "trace", "--report", "--json", "-n", "-c", "2", dst)
	var m, n struct {
		Report struct {
			MTR  map[string]any   `json:"mtr"`
			Hubs []map[string]any `json:"hubs"`
		} `json:"report"`
		Hops []any `json:"hops"`
	}
	if err := json.Unmarshal([]byte(mj), &m); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(nj), &n); err != nil || len(n.Hops) != 3 {
		t.Fatalf("%v: %s", err, nj)
	}
	keys := func(v map[string]any) []string {
		var k []string
		for key := range v {
			k = append(k, key)
		}
		sort.Strings(k)
		return k
	}
	if !reflect.DeepEqual(keys(m.Report.MTR), keys(n.Report.MTR)) || len(n.Report.Hubs) != len(m.Report.Hubs) {
		t.Fatalf("mtr -j %v, %d hubs; netdx %v, %d hubs", keys(m.Report.MTR), len(m.Report.Hubs), keys(n.Report.MTR), len(n.Report.Hubs))
	}
	for i := range m.Report.Hubs {
		mh, nh := m.Report.Hubs[i], n.Report.Hubs[i]
		if !reflect.DeepEqual(keys(mh), keys(nh)) || mh["host"] != nh["host"] || mh["count"] != nh["count"] || mh["Snt"] != nh["Snt"] || mh["Loss%"] != nh["Loss%"] {
			t.Errorf("hub %d: mtr %v, netdx %v", i, mh, nh)
		}
	}
}
