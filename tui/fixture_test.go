package tui

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"netdx/check"
	"netdx/diagnose"
	"netdx/trace"
)

// path is a synthetic path for the view's tests: hop k answers from
// 198.18.k.2 with rtt[k-1]; the target is the last hop.
type path struct {
	rtt []time.Duration
	// fwdLoss(round) is the first hop a round loses from (0: none):
	// that hop and every later one are lost in the round.
	fwdLoss func(round int) int
	// silent(round, hop) makes a hop not answer in a round while later
	// hops do (a router rate-limiting its ICMP).
	silent func(round, hop int) bool
	// mark and mpls decorate a hop's answers.
	mark     map[int]string
	mpls     map[int][]trace.MPLSLabel
	echoSent int
	echoLost func(i int) bool
}

func hop(k int) netip.Addr { return netip.AddrFrom4([4]byte{198, 18, byte(k), 2}) }

func (p path) target() netip.Addr { return hop(len(p.rtt)) }

func (p path) round(i int) trace.Result {
	res := trace.Result{Addr: p.target(), Protocol: trace.ICMP, EndReason: trace.EndReached, Reached: true}
	from := 0
	if p.fwdLoss != nil {
		from = p.fwdLoss(i)
	}
	for k := 1; k <= len(p.rtt); k++ {
		pr := trace.Probe{Timeout: true, ICMPType: -1, ICMPCode: -1}
		lostHere := from > 0 && k >= from
		if !lostHere && (p.silent == nil || !p.silent(i, k)) {
			pr = trace.Probe{Addr: hop(k), RTT: p.rtt[k-1] + time.Duration(i%7)*10*time.Microsecond, ICMPType: 11, Annotation: p.mark[k]}
			if ls := p.mpls[k]; ls != nil {
				pr.Extensions = &trace.Extensions{MPLS: ls}
			}
		}
		res.Hops = append(res.Hops, trace.Hop{TTL: k, Probes: []trace.Probe{pr}})
	}
	if from > 0 {
		res.Reached, res.EndReason = false, trace.EndMaxTTL
	}
	return res
}

// snapshot is n rounds of the path and its echo stream, as a stream hands
// them out.
func (p path) snapshot(n int) check.Snapshot {
	ev := diagnose.PathEvidence{Target: p.target().String(), Addr: p.target(), Protocol: trace.ICMP}
	for i := range n {
		ev.Rounds = append(ev.Rounds, p.round(i))
	}
	if p.echoSent > 0 {
		e := &diagnose.Echo{Sent: p.echoSent, Interval: 10 * time.Millisecond}
		for i := range p.echoSent {
			if p.echoLost == nil || !p.echoLost(i) {
				e.Received++
				e.RTTs = append(e.RTTs, p.rtt[len(p.rtt)-1])
			}
		}
		ev.Echo = e
	}
	return check.Snapshot{Evidence: ev, Rounds: n, Echoes: p.echoSent}
}

var (
	clean4 = path{rtt: []time.Duration{100 * time.Microsecond, 200 * time.Microsecond, 300 * time.Microsecond, 400 * time.Microsecond}, echoSent: 400}
	// lossy loses every third round from hop 3 on, and a third of the
	// echo requests.
	lossy = path{rtt: clean4.rtt, fwdLoss: func(i int) int {
		if i%3 == 0 {
			return 3
		}
		return 0
	}, echoSent: 400, echoLost: func(i int) bool { return i%3 == 0 }}
	// slow adds 80 ms at hop 2, kept to the target.
	slow = path{rtt: []time.Duration{100 * time.Microsecond, 80 * time.Millisecond, 80100 * time.Microsecond, 80200 * time.Microsecond}, echoSent: 400}
	// limiting has hop 2 leave half its probes unanswered while hops 3
	// and 4 answer them all.
	limiting = path{rtt: clean4.rtt, silent: func(i, k int) bool { return k == 2 && i%2 == 0 }, echoSent: 400}
)

// feed applies messages in order and returns the model.
func feed(t *testing.T, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	for _, msg := range msgs {
		nm, _ := m.Update(msg)
		m = nm.(Model)
	}
	return m
}

// key is the key press bubbletea hands the model for s (TestTerminalKeys
// checks the same keys from the bytes a terminal sends).
func key(s string) tea.KeyPressMsg {
	switch s {
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case " ":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	r := []rune(s)
	return tea.KeyPressMsg{Code: r[0], Text: s}
}

var ansiSeq = regexp.MustCompile("\x1b\\[[0-9;]*[a-zA-Z]")

// screen is the view as text, without styling.
func screen(m Model) string { return ansiSeq.ReplaceAllString(m.View().Content, "") }

// checkFits fails unless every line of the view fits the terminal.
func checkFits(t *testing.T, m Model, w, h int) {
	t.Helper()
	lines := strings.Split(m.View().Content, "\n")
	if len(lines) > h {
		t.Errorf("%d lines on a screen of %d", len(lines), h)
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			t.Errorf("line %d is %d wide on a screen of %d: %q", i, lipgloss.Width(l), w, l)
		}
	}
}

// fakeControl records what the view asked of the streams.
type fakeControl struct{ calls []string }

func (f *fakeControl) Pause(p bool) { f.calls = append(f.calls, fmt.Sprintf("pause %v", p)) }
func (f *fakeControl) Reset()       { f.calls = append(f.calls, "reset") }

func one(p path) Config {
	return withConfig(func(c *Config) {
		c.Targets, c.Protocol, c.Interval = []Target{{Name: "dst", Addr: p.target()}}, trace.ICMP, time.Second
	})
}

// withConfig is DefaultConfig changed by set: tests start where every
// caller does.
func withConfig(set func(*Config)) Config {
	c := DefaultConfig()
	set(&c)
	return c
}
