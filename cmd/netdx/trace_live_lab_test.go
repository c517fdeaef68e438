package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

// tmuxPane is a shell in a tmux session inside a lab node: what a user
// sees, typed at with send-keys and read with capture-pane.
type tmuxPane struct {
	t    *testing.T
	node *netlab.Node
	sock string
}

// startTmux starts a detached tmux server with one w×h window running sh,
// in n; the test's clean-up kills it.
func startTmux(t *testing.T, n *netlab.Node, w, h int) *tmuxPane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("NETDX_LAB_REQUIRED") == "1" {
			t.Fatal("tmux is not installed")
		}
		t.Skip("tmux is not installed")
	}
	p := &tmuxPane{t: t, node: n, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	t.Cleanup(func() { exec.Command("tmux", "-S", p.sock, "kill-server").Run() })
	cmd := n.Command(context.Background(), "tmux", "-u", "-S", p.sock, "-f", "/dev/null", "new-session", "-d", "-s", "live",
		"-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "env", "PS1=$ ", "LANG=C.UTF-8", "sh")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v: %s", err, out)
	}
	// Keys typed before the shell's first prompt are echoed ahead of it,
	// and the first command's output then follows the prompt on its line.
	p.waitFor("the shell's prompt", func(v string) bool { return strings.HasPrefix(v, "$ ") })
	return p
}

func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys sends keys as tmux names them ("q", "C-c", "Tab", "Enter").
func (p *tmuxPane) keys(keys ...string) {
	p.t.Helper()
	p.tmux(append([]string{"send-keys", "-t", "live"}, keys...)...)
}

// typeLine types a command line into the shell.
func (p *tmuxPane) typeLine(s string) {
	p.t.Helper()
	p.tmux("send-keys", "-t", "live", "-l", s)
	p.keys("Enter")
}

// screen is the pane as it shows now, with its history.
func (p *tmuxPane) screen() string {
	p.t.Helper()
	return p.tmux("capture-pane", "-p", "-J", "-t", "live", "-S", "-300")
}

// visible is what the pane shows now, without history.
func (p *tmuxPane) visible() string {
	p.t.Helper()
	return p.tmux("capture-pane", "-p", "-J", "-t", "live")
}

// waitRE waits until the visible pane matches re (a command's output, not
// the command line that asks for it).
func (p *tmuxPane) waitRE(re string) string {
	p.t.Helper()
	r := regexp.MustCompile(re)
	return p.waitFor(re, r.MatchString)
}

// waitFor waits until the visible pane satisfies ok and returns it; the
// guard only turns a hang into a failure.
func (p *tmuxPane) waitFor(what string, ok func(string) bool) string {
	p.t.Helper()
	return testkit.Poll(p.t, "the screen to show "+what, labGuard, 50*time.Millisecond, func() (string, bool) {
		s := p.visible()
		return s, ok(s)
	})
}

func (p *tmuxPane) waitText(s string) string {
	p.t.Helper()
	return p.waitFor(fmt.Sprintf("%q", s), func(v string) bool { return strings.Contains(v, s) })
}

var roundRE = regexp.MustCompile(`: round (\d+)`)

// round is the round counter of the screen's target line.
func round(s string) int {
	m := roundRE.FindStringSubmatch(s)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func checkWidth(t *testing.T, s string, w int) {
	t.Helper()
	for _, l := range strings.Split(s, "\n") {
		if n := utf8.RuneCountInString(l); n > w {
			t.Errorf("a line of %d columns on a %d-column screen: %q", n, w, l)
		}
	}
}

// TestIntegrationTraceLive runs netdx trace --live in tmux on a path with
// the three troubles of issue 12: router r2 drops a fifth of what it
// forwards (hop 3 and the target lose, hops 1 and 2 do not), the link
// behind r1 adds 40 ms, and r1 answers only half of its probes. A second
// target, on the clean part of the path, is a tab. It drives the view as a
// user would: the hop rows and the verdict's three lines (loss starts at
// hop 3, hop 1 only rate-limits, 40 ms added at hop 2), every key, a
// resize, and Ctrl-C, after which the shell's screen is back, the reports
// are printed and the terminal is in cooked mode again. Then -c and q end
// a view too.
func TestIntegrationTraceLive(t *testing.T) {
	l := netlab.New(t)
	p := chain(l, true, netlab.PathConfig{Delays: []time.Duration{0, 20 * time.Millisecond}})
	dropOn(p.Routers[1], 20, false)
	p.Routers[0].DropICMPShare(50)
	bin := netdxBinary(t)
	pane := startTmux(t, p.Src, 120, 40)
	target, other := p.Target4().String(), p.Hop4(2).String()

	// A stream that cannot open its sockets fails before any screen.
	pane.typeLine(fmt.Sprintf("%s trace --live -s 198.18.99.1 %s; echo EXIT0=$?", bin, target))
	s := pane.waitRE(`EXIT0=\d`)
	if !strings.Contains(s, "EXIT0=3") || !regexp.MustCompile(`(?m)^netdx trace: -s 198\.18\.99\.1: .+$`).MatchString(s) {
		t.Errorf("a source the host does not have: one line naming -s, exit 3:\n%s", s)
	}
	pane.typeLine("clear")
	pane.typeLine("echo BEFORE-LIVE")
	pane.waitText("BEFORE-LIVE")
	pane.typeLine(fmt.Sprintf("%s trace --live --interval 0.05 %s %s; echo EXIT=$?", bin, target, other))

	s = pane.waitFor("the verdict's three lines", func(v string) bool {
		return strings.Contains(v, "loss starts at hop 3 (198.18.3.2) and carries on to the target") &&
			strings.Contains(v, "hop 1 (198.18.1.2) only rate-limits its ICMP") &&
			regexp.MustCompile(`INFO +4\d\.\d ms added at hop 2 \(198\.18\.2\.2\), kept to the target`).MatchString(v)
	})
	for k := 1; k <= 4; k++ {
		if !regexp.MustCompile(fmt.Sprintf(`(?m)^ +%d\. %s +\d+\.\d%% +\d+ `, k, regexp.QuoteMeta(p.Hop4(k).String()))).MatchString(s) {
			t.Errorf("no row for hop %d (%s):\n%s", k, p.Hop4(k), s)
		}
	}
	// The tab line (a terminal keeps no trailing blanks: the line ends
	// with the last tab's name).
	if !regexp.MustCompile(`(?m)^ 1 ` + regexp.QuoteMeta(target) + `  +2 ` + regexp.QuoteMeta(other) + ` *$`).MatchString(s) {
		t.Errorf("no tab line with both targets:\n%s", s)
	}
	for _, want := range []string{"netdx trace --live  icmp every 50ms  names  statistics",
		"Loss%   Snt   Last    Avg   Best   Wrst  StDev   Jttr History", "Verdict (diagnose over", " WARNING  loss starts at hop 3", "(95%: "} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q on screen:\n%s", want, s)
		}
	}
	checkWidth(t, s, 120)
	t.Logf("the screen:\n%s", s)

	pane.keys("d")
	pane.waitText("History, oldest first")
	pane.keys("d")
	pane.waitText("path_loss: ")
	pane.keys("d")
	pane.waitText("StDev")
	pane.keys("j")
	s = pane.waitText(`"end_reason": `)
	if !strings.Contains(s, `"ttl": 1,`) || !strings.Contains(s, `"target": "`+target+`"`) {
		t.Errorf("j: not the round's JSON:\n%s", s)
	}
	pane.keys("j")
	pane.waitText("StDev")
	pane.keys("n")
	pane.waitText("  numeric  statistics")
	pane.keys("n")
	pane.waitText("  names  statistics")

	pane.keys("Tab")
	s = pane.waitFor("the second target's tab", func(v string) bool {
		return strings.Contains(v, "to "+other+" ("+other+")") && strings.Contains(v, "ms added at hop 2 (198.18.2.2)")
	})
	if strings.Contains(s, "loss starts") || strings.Contains(s, "WARNING") || strings.Contains(s, "  3. ") {
		t.Errorf("the second target is hop 2, on the clean part of the path:\n%s", s)
	}
	pane.keys("Tab")
	pane.waitText("to " + target + " (" + target + ")")

	// Paused, the streams keep probing but record nothing: ten rounds'
	// worth of echo requests reach the target, and none may show.
	pane.keys("p")
	s = pane.waitText("PAUSED")
	paused := round(s)
	waitICMP(t, p.Dst, "InEchos", icmpIn(t, p.Dst, "InEchos")+20)
	if r := round(pane.visible()); r != paused {
		t.Errorf("paused at round %d, the screen went on to %d", paused, r)
	}
	pane.keys("Space")
	s = pane.waitFor("rounds after resuming", func(v string) bool { return !strings.Contains(v, "PAUSED") && round(v) > paused })

	before := round(s)
	pane.keys("r")
	pane.waitFor("the rounds counted again from 1", func(v string) bool { r := round(v); return r >= 0 && r < before })

	pane.tmux("resize-window", "-t", "live", "-x", "90", "-y", "30")
	s = pane.waitFor("the view redrawn for 90 columns", func(v string) bool {
		lines := strings.Split(strings.TrimRight(v, "\n"), "\n")
		return len(lines) <= 30 && strings.Contains(v, "  3. 198.18.3.2") && strings.HasPrefix(lines[len(lines)-1], "q quit")
	})
	checkWidth(t, s, 90)
	// Enough rounds since the reset for the target to have answered in
	// some: the report after Ctrl-C is of them.
	pane.waitFor("20 rounds since the reset", func(v string) bool { return round(v) >= 20 && strings.Contains(v, "  4. 198.18.4.2") })

	pane.keys("C-c")
	s = pane.waitRE(`EXIT=\d`)
	all := pane.screen()
	for _, want := range []string{"BEFORE-LIVE", "EXIT=0", "Target: " + target, "Target: " + other,
		"  3.|-- 198.18.3.2", "  4.|-- 198.18.4.2"} {
		if !strings.Contains(all, want) {
			t.Errorf("after Ctrl-C: no %q:\n%s", want, all)
		}
	}
	if strings.Contains(s, "Verdict") || strings.Contains(s, "q quit") {
		t.Errorf("the live screen is still there after Ctrl-C:\n%s", s)
	}
	pane.typeLine("stty -a | tr ' ;' '\\n\\n' | grep -x -e -icanon -e icanon -e -echo -e echo | tr '\\n' ' '; echo STTY-''DONE")
	s = pane.waitRE(`(?m)^(\$ )?[-a-z ]*STTY-DONE$`)
	if !regexp.MustCompile(`(?m)^(\$ )?icanon echo STTY-DONE$`).MatchString(s) {
		t.Errorf("the terminal is not back in cooked mode with echo:\n%s", s)
	}

	pane.typeLine("clear")
	pane.typeLine(fmt.Sprintf("%s trace --live -n -c 5 --interval 0.05 %s; echo EXIT2=$?", bin, other))
	s = pane.waitRE(`EXIT2=\d`)
	if !strings.Contains(s, "EXIT2=0") || !strings.Contains(s, "Target: "+other+" ("+other+")") || !strings.Contains(s, "  1.|-- ") {
		t.Errorf("-c 5: the view ends by itself after 5 rounds, with the report:\n%s", s)
	}

	pane.typeLine("clear")
	pane.typeLine(fmt.Sprintf("%s trace --live -n --interval 0.05 %s; echo EXIT3=$?", bin, other))
	pane.waitText("  2. " + other)
	pane.keys("q")
	s = pane.waitRE(`EXIT3=\d`)
	if !strings.Contains(s, "EXIT3=0") || !strings.Contains(s, "  2.|-- "+other) {
		t.Errorf("q: the report and the exit code:\n%s", s)
	}

	// SIGTERM from outside ends it as Ctrl-C does.
	pane.typeLine("clear")
	pane.typeLine(fmt.Sprintf("%s trace --live -n --interval 0.05 %s; echo EXIT4=$?; stty -a | tr ' ;' '\\n\\n' | grep -x -e -icanon -e icanon -e -echo -e echo | tr '\\n' ' '; echo STTY-''DONE", bin, other))
	pane.waitText("  2. " + other)
	pid := childOf(t, strings.TrimSpace(pane.tmux("display-message", "-p", "-t", "live", "#{pane_pid}")), bin)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s = pane.waitRE(`(?m)STTY-DONE$`)
	if !strings.Contains(s, "EXIT4=0") || !strings.Contains(s, "  2.|-- "+other) || !regexp.MustCompile(`(?m)^icanon echo STTY-DONE$`).MatchString(s) {
		t.Errorf("SIGTERM: the report, the exit code and the terminal in cooked mode:\n%s", s)
	}
}

// childOf is the pid of the child of process ppid that runs bin.
func childOf(t *testing.T, ppid, bin string) int {
	t.Helper()
	return testkit.Poll(t, "a child of "+ppid+" running "+bin, labGuard, 10*time.Millisecond, func() (int, bool) {
		tasks, _ := filepath.Glob("/proc/" + ppid + "/task/*/children")
		for _, f := range tasks {
			b, _ := os.ReadFile(f)
			for _, c := range strings.Fields(string(b)) {
				if exe, _ := os.Readlink("/proc/" + c + "/exe"); exe == bin {
					n, _ := strconv.Atoi(c)
					return n, true
				}
			}
		}
		return 0, false
	})
}
