package tui

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"netdx/trace"
)

// TestStatsRows: the table reads the window as diagnose does: forward
// Loss% (a hop that only stays silent loses nothing), Snt per hop, RTT
// columns in ms, marks and MPLS labels inline.
func TestStatsRows(t *testing.T) {
	p := lossy
	p.mark = map[int]string{4: "!X"}
	p.mpls = map[int][]trace.MPLSLabel{2: {{Label: 24001, TC: 0, S: true, TTL: 1}}}
	m := feed(t, New(one(p)), tea.WindowSizeMsg{Width: 160, Height: 40}, SnapshotMsg{Snapshot: p.snapshot(90)})
	s := screen(m)
	for _, want := range []string{
		"Host", "Loss%", "Snt", "Last", "Avg", "Best", "Wrst", "StDev", "Jttr", "History",
		"  1. 198.18.1.2", "  3. 198.18.3.2", "  4. 198.18.4.2 !X",
		"198.18.2.2 <MPLS:L=24001,E=0,S=1,T=1>",
		"round 90", "400 echo requests",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	row := func(ttl string) []string {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "  "+ttl+". ") {
				return strings.Fields(l)
			}
		}
		t.Fatalf("no row %s:\n%s", ttl, s)
		return nil
	}
	if r := row("1"); r[2] != "0.0%" || r[3] != "90" || r[4] != "0.2" && r[4] != "0.1" {
		t.Errorf("hop 1 row %q: want 0.0%% loss, 90 sent, RTT 0.1-0.2 ms", r)
	}
	if r := row("3"); r[2] != "33.3%" || r[3] != "90" {
		t.Errorf("hop 3 row %q: want 33.3%% forward loss of 90", r)
	}
	checkFits(t, m, 160, 40)
}

func TestSilentHopIsNotLoss(t *testing.T) {
	m := feed(t, New(one(limiting)), tea.WindowSizeMsg{Width: 160, Height: 40}, SnapshotMsg{Snapshot: limiting.snapshot(100)})
	s := screen(m)
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "  2. ") && !strings.Contains(l, " 0.0% ") {
			t.Errorf("hop 2 only stays silent, its forward loss is 0: %q", l)
		}
		if strings.HasPrefix(l, "  2. ") && !strings.Contains(l, ".") {
			t.Errorf("hop 2's history should show its silence: %q", l)
		}
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m, cmd := New(one(clean4)).Update(key(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
		if v := m.(Model).View(); v.Content != "" || !v.AltScreen {
			t.Errorf("%s: the last frame must be empty, on the alternate screen (the report follows on the terminal's own)", k)
		}
	}
}

func run(cmd tea.Cmd) {
	if cmd != nil {
		cmd()
	}
}

func TestPause(t *testing.T) {
	ctl := &fakeControl{}
	cfg := one(lossy)
	cfg.Control = ctl
	m := feed(t, New(cfg), SnapshotMsg{Snapshot: lossy.snapshot(10)})
	nm, cmd := m.Update(key("p"))
	m = nm.(Model)
	run(cmd)
	if !m.Paused() || !strings.Contains(screen(m), "PAUSED") || len(ctl.calls) != 1 || ctl.calls[0] != "pause true" {
		t.Fatalf("p: paused=%v calls %v\n%s", m.Paused(), ctl.calls, screen(m))
	}
	before := screen(m)
	m = feed(t, m, SnapshotMsg{Snapshot: lossy.snapshot(20)})
	if screen(m) != before {
		t.Errorf("a snapshot changed the paused screen")
	}
	nm, cmd = m.Update(key(" "))
	m = nm.(Model)
	run(cmd)
	if m.Paused() || strings.Contains(screen(m), "PAUSED") || ctl.calls[1] != "pause false" {
		t.Errorf("space: paused=%v calls %v", m.Paused(), ctl.calls)
	}
	nm, _ = m.Update(key(" "))
	if nm.(Model).Paused() {
		t.Errorf("space pauses nothing, it resumes")
	}
	m = feed(t, m, SnapshotMsg{Snapshot: lossy.snapshot(20)})
	if !strings.Contains(screen(m), "round 20") {
		t.Errorf("resumed, the next snapshot shows:\n%s", screen(m))
	}
}

func TestReset(t *testing.T) {
	ctl := &fakeControl{}
	cfg := one(lossy)
	cfg.Control = ctl
	m := feed(t, New(cfg), SnapshotMsg{Snapshot: lossy.snapshot(50)})
	nm, cmd := m.Update(key("r"))
	m = nm.(Model)
	run(cmd)
	if len(ctl.calls) != 1 || ctl.calls[0] != "reset" {
		t.Errorf("r asked the streams %v", ctl.calls)
	}
	if s := screen(m); !strings.Contains(s, "waiting for the first round") || strings.Contains(s, "round 50") {
		t.Errorf("after r:\n%s", s)
	}
	// A snapshot taken before the stream reset is dropped; the next
	// one, after it, is shown.
	stale := lossy.snapshot(51)
	m = feed(t, m, SnapshotMsg{Snapshot: stale})
	if strings.Contains(screen(m), "round 51") {
		t.Errorf("a snapshot from before the reset came back")
	}
	fresh := lossy.snapshot(2)
	fresh.Resets = 1
	m = feed(t, m, SnapshotMsg{Snapshot: fresh})
	if !strings.Contains(screen(m), "round 2") {
		t.Errorf("after the reset:\n%s", screen(m))
	}
}

func TestNamesToggle(t *testing.T) {
	m := feed(t, New(one(clean4)), tea.WindowSizeMsg{Width: 140, Height: 30}, SnapshotMsg{Snapshot: clean4.snapshot(5)},
		NameMsg{Addr: hop(1), Name: "r1.lab.example"})
	if !strings.Contains(screen(m), "r1.lab.example (198.18.1.2)") {
		t.Errorf("name not shown:\n%s", screen(m))
	}
	m = feed(t, m, key("n"))
	if s := screen(m); strings.Contains(s, "r1.lab.example") || !strings.Contains(s, "numeric") {
		t.Errorf("n: names still shown:\n%s", s)
	}
	m = feed(t, m, key("n"))
	if !strings.Contains(screen(m), "r1.lab.example") {
		t.Errorf("n again: names back")
	}
	cfg := one(clean4)
	cfg.Numeric = true
	m = feed(t, New(cfg), tea.WindowSizeMsg{Width: 140, Height: 30}, SnapshotMsg{Snapshot: clean4.snapshot(5)}, NameMsg{Addr: hop(1), Name: "r1.lab.example"})
	if s := screen(m); strings.Contains(s, "r1.lab.example") || !strings.Contains(s, "numeric (-n)") {
		t.Errorf("started numeric, a name shows:\n%s", s)
	}
	m = feed(t, m, key("n"))
	if s := screen(m); strings.Contains(s, "r1.lab.example") || !strings.Contains(s, "numeric (-n)") {
		t.Errorf("started numeric (-n), n turns names on, though none was looked up:\n%s", s)
	}
}

// TestHostileName: a name from DNS is text, never a terminal sequence.
func TestHostileName(t *testing.T) {
	m := feed(t, New(one(clean4)), tea.WindowSizeMsg{Width: 140, Height: 30}, SnapshotMsg{Snapshot: clean4.snapshot(5)},
		NameMsg{Addr: hop(1), Name: "evil\x1b]0;owned\x07\x1b[2J.example"}, ErrorMsg{Tab: 0, Err: errString("bad\x1b[2Jthing")})
	v := m.View().Content
	if strings.Contains(v, "owned\x07") || strings.Contains(v, "\x1b]") || strings.Contains(v, "\x1b[2J") {
		t.Errorf("control sequences from the network reach the screen: %q", v)
	}
	if !strings.Contains(screen(m), "evil?]0;owned??[2J.example") {
		t.Errorf("the name is not shown, cleaned:\n%s", screen(m))
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestDisplayModes(t *testing.T) {
	m := feed(t, New(one(lossy)), tea.WindowSizeMsg{Width: 150, Height: 40}, SnapshotMsg{Snapshot: lossy.snapshot(90)})
	if !strings.Contains(screen(m), "StDev") {
		t.Fatalf("statistics first:\n%s", screen(m))
	}
	m = feed(t, m, key("d"))
	s := screen(m)
	if !strings.Contains(s, "History, oldest first") || strings.Contains(s, "StDev") || !strings.Contains(s, "?") {
		t.Errorf("d: history:\n%s", s)
	}
	m = feed(t, m, key("d"))
	s = screen(m)
	if !strings.Contains(s, "path_loss: ") || !strings.Contains(s, "it starts at hop 3") {
		t.Errorf("d d: the findings in diagnose's words:\n%s", s)
	}
	checkFits(t, m, 150, 40)
	m = feed(t, m, key("d"))
	if !strings.Contains(screen(m), "StDev") {
		t.Errorf("d d d: back to statistics")
	}
}

func TestJSONOfTheRound(t *testing.T) {
	m := feed(t, New(one(clean4)), tea.WindowSizeMsg{Width: 100, Height: 60}, SnapshotMsg{Snapshot: clean4.snapshot(3)}, key("j"))
	s := screen(m)
	for _, want := range []string{"as JSON", `"target": "dst"`, `"addr": "198.18.4.2"`, `"end_reason": "reached"`, `"ttl": 1`, `"rtt_ms": 0.42`} {
		if !strings.Contains(s, want) {
			t.Errorf("j: no %q in\n%s", want, s)
		}
	}
	m = feed(t, m, key("j"))
	if strings.Contains(screen(m), "as JSON") {
		t.Errorf("j again: still JSON")
	}
	m = feed(t, m, key("j"), key("esc"))
	if strings.Contains(screen(m), "as JSON") {
		t.Errorf("esc: still JSON")
	}
	// Scrolling moves through the document, and a small screen cuts it.
	m = feed(t, m, key("j"), tea.WindowSizeMsg{Width: 100, Height: 12})
	if !strings.Contains(screen(m), "more (down arrow scrolls)") {
		t.Errorf("a long document on a small screen says it goes on:\n%s", screen(m))
	}
	first := screen(m)
	m = feed(t, m, key("down"), key("down"))
	if screen(m) == first {
		t.Errorf("down does not scroll")
	}
	checkFits(t, m, 100, 12)
}

func TestJSONBeforeARound(t *testing.T) {
	m := feed(t, New(one(clean4)), key("j"))
	if !strings.Contains(screen(m), "no round yet") {
		t.Errorf("j before any round:\n%s", screen(m))
	}
}

func TestTabs(t *testing.T) {
	a, b := clean4, slow
	b.rtt = append(b.rtt[:3:3], 80300*1000, 80400*1000) // 5 hops, another target
	cfg := withConfig(func(c *Config) {
		c.Targets, c.Protocol = []Target{{Name: "dst-a", Addr: a.target()}, {Name: "dst-b", Addr: b.target()}}, trace.ICMP
	})
	m := feed(t, New(cfg), tea.WindowSizeMsg{Width: 150, Height: 40}, SnapshotMsg{Tab: 1, Snapshot: b.snapshot(20)})
	s := screen(m)
	if !strings.Contains(s, " 1 dst-a ") || !strings.Contains(s, " 2 dst-b ") || !strings.Contains(s, "waiting for the first round to dst-a") {
		t.Fatalf("two tabs, the first active and empty:\n%s", s)
	}
	m = feed(t, m, key("tab"))
	if s := screen(m); !strings.Contains(s, "to dst-b") || !strings.Contains(s, "  5. 198.18.5.2") {
		t.Errorf("tab: the second target:\n%s", s)
	}
	m = feed(t, m, key("tab"))
	if !strings.Contains(screen(m), "to dst-a") {
		t.Errorf("tab wraps to the first")
	}
	m = feed(t, m, key("shift+tab"))
	if !strings.Contains(screen(m), "to dst-b") {
		t.Errorf("shift+tab goes back (wrapping)")
	}
	m = feed(t, m, key("1"))
	if !strings.Contains(screen(m), "to dst-a") {
		t.Errorf("1 selects the first")
	}
	m = feed(t, m, key("9"))
	if !strings.Contains(screen(m), "to dst-a") {
		t.Errorf("9 is no tab: nothing changes")
	}
	m = feed(t, m, SnapshotMsg{Tab: 7, Snapshot: a.snapshot(1)}, ErrorMsg{Tab: -1, Err: errString("x")})
	if strings.Contains(screen(m), "stopped") {
		t.Errorf("messages for tabs that do not exist changed the view")
	}
	m = feed(t, m, ErrorMsg{Tab: 0, Err: errString("check: trace rounds to dst-a: permission denied")})
	if !strings.Contains(screen(m), "stopped: check: trace rounds to dst-a: permission denied") {
		t.Errorf("a stopped stream is said:\n%s", screen(m))
	}
}

func TestResize(t *testing.T) {
	p := lossy
	p.rtt = nil
	for k := 1; k <= 30; k++ {
		p.rtt = append(p.rtt, lossy.rtt[0]*time.Duration(k))
	}
	for _, size := range [][2]int{{80, 24}, {60, 15}, {200, 60}, {40, 8}} {
		m := feed(t, New(one(p)), tea.WindowSizeMsg{Width: size[0], Height: size[1]}, SnapshotMsg{Snapshot: p.snapshot(60)})
		for mode := range modes {
			checkFits(t, m, size[0], size[1])
			s := screen(m)
			if size[1] < 30 && mode == modeStats && !strings.Contains(s, "more (down arrow scrolls)") {
				t.Errorf("%v: 30 hops on %d lines do not say they go on:\n%s", size, size[1], s)
			}
			m = feed(t, m, key("d"))
		}
	}
	m := feed(t, New(one(p)), tea.WindowSizeMsg{Width: 200, Height: 60}, SnapshotMsg{Snapshot: p.snapshot(60)})
	if !strings.Contains(screen(m), "History") {
		t.Errorf("a wide screen shows the history column")
	}
	m = feed(t, m, tea.WindowSizeMsg{Width: 80, Height: 60})
	if strings.Contains(screen(m), "History") {
		t.Errorf("80 columns leave no room for the history column")
	}
}

// TestRoundsQuit: -c N quits once every target has N rounds.
func TestRoundsQuit(t *testing.T) {
	cfg := withConfig(func(c *Config) {
		c.Targets, c.Rounds = []Target{{Name: "a", Addr: hop(4)}, {Name: "b", Addr: hop(5)}}, 3
	})
	m := New(cfg)
	nm, cmd := m.Update(SnapshotMsg{Tab: 0, Snapshot: clean4.snapshot(3)})
	if cmd != nil {
		t.Fatalf("quit with one target of two done")
	}
	_, cmd = nm.Update(SnapshotMsg{Tab: 1, Snapshot: clean4.snapshot(3)})
	if cmd == nil {
		t.Fatal("not quitting with both done")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Errorf("not a quit")
	}
}

// TestUpdateLeavesTheOldModel: a model is a value; Update never changes
// the one it was called on (what View draws depends on it alone).
func TestUpdateLeavesTheOldModel(t *testing.T) {
	m := feed(t, New(one(lossy)), tea.WindowSizeMsg{Width: 150, Height: 40}, SnapshotMsg{Snapshot: lossy.snapshot(30)},
		NameMsg{Addr: hop(1), Name: "r1"})
	before := m.View().Content
	feed(t, m, SnapshotMsg{Snapshot: clean4.snapshot(40)}, NameMsg{Addr: hop(2), Name: "r2"}, key("r"), key("d"), key("n"))
	if m.View().Content != before {
		t.Errorf("Update changed the model it was called on")
	}
}

func TestNamesBounded(t *testing.T) {
	m := New(one(clean4))
	for i := range maxNames + 100 {
		m = feed(t, m, NameMsg{Addr: netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), Name: "x"})
	}
	if len(m.names) != maxNames {
		t.Errorf("%d names kept, at most %d", len(m.names), maxNames)
	}
}
