package main

import (
	"context"
	"encoding/json"
	"fmt"
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
	for _, target := range []string{dst, unreach.String(), p.Target6().String()} {
		_, tout, _ := runIn(t, p.Src, "traceroute", "-n", "-m", "5", target)
		_, nout, _ := netdxIn(t, p.Src, nil, "trace", "-n", "-m", "5", target)
		tj, nj := jc(t, "traceroute", tout), jc(t, "traceroute", nout)
		if tj["destination_ip"] != nj["destination_ip"] || tj["destination_name"] != nj["destination_name"] ||
			!reflect.DeepEqual(jcHops(tj), jcHops(nj)) {
			t.Errorf("%s: jc reads\ntraceroute %v %v\nnetdx      %v %v\ntraceroute:\n%snetdx:\n%s", target, tj["destination_ip"], jcHops(tj), nj["destination_ip"], jcHops(nj), tout, nout)
		}
	}
}

// jcHops is what jc reads of a traceroute: per hop, each probe's address
// and mark.
func jcHops(v map[string]any) []string {
	var hops []string
	for _, h := range v["hops"].([]any) {
		hm := h.(map[string]any)
		var probes []string
		for _, pr := range hm["probes"].([]any) {
			pm := pr.(map[string]any)
			mark, _ := pm["annotation"].(string)
			probes = append(probes, pm["ip"].(string)+" "+strings.TrimSpace(mark))
		}
		hops = append(hops, strconv.Itoa(int(hm["hop"].(float64)))+": "+strings.Join(probes, ", "))
	}
	return hops
}

// TestIntegrationCompatTraceMarks: for every unreachable code that Linux
// traceroute marks with a letter and netdx marks alike, a router rejecting
// with that code draws the same mark from both, as jc reads them. IPv6's
// code 2 (beyond scope of source address, RFC 4443) is !H in both. Where
// netdx marks more precisely (BSD's !U !W !I !A !Z !Q !T for ICMP, the
// IPv4 mark of the same meaning for ICMPv6 codes 5 to 7), traceroute
// prints !N, !H, !X or !<code> and the marks differ on purpose.
func TestIntegrationCompatTraceMarks(t *testing.T) {
	needTools(t, "jc", "traceroute")
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].NoICMPRateLimit()
	var targets []string
	for _, code := range []int{0, 1, 2, 5, 13, 14, 15} {
		dst := fmt.Sprintf("198.18.2.%d", 200+code)
		p.Routers[0].Fault(netlab.Forward, fmt.Sprintf("ip daddr %s reject with icmp %d", dst, code))
		targets = append(targets, dst)
	}
	for _, code := range []int{0, 1, 2, 3} {
		dst := fmt.Sprintf("2001:db8:2::%d", 200+code)
		p.Routers[0].Fault(netlab.Forward, fmt.Sprintf("ip6 daddr %s reject with icmpv6 %d", dst, code))
		targets = append(targets, dst)
	}
	for _, target := range targets {
		_, tout, _ := runIn(t, p.Src, "traceroute", "-n", "-m", "3", target)
		_, nout, _ := netdxIn(t, p.Src, nil, "trace", "-n", "-m", "3", target)
		tj, nj := jcHops(jc(t, "traceroute", tout)), jcHops(jc(t, "traceroute", nout))
		if !reflect.DeepEqual(tj, nj) || len(tj) == 0 || !strings.Contains(tj[len(tj)-1], "!") {
			t.Errorf("%s: jc reads\ntraceroute %v\nnetdx      %v\ntraceroute:\n%snetdx:\n%s", target, tj, nj, tout, nout)
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
