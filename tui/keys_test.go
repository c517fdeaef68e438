package tui

import (
	"io"
	"netdx/trace"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// TestTerminalKeys: the bytes a terminal sends for each key of the view,
// read by a bubbletea program as on a real terminal, do what the key
// says: the names the model matches (bubbletea v2 calls the space bar
// "space", shift+tab is tab with shift) are the ones bubbletea decodes.
// Each run ends with q, or with Ctrl-C.
func TestTerminalKeys(t *testing.T) {
	cfg := withConfig(func(c *Config) {
		c.Targets, c.Protocol = []Target{{Name: "a", Addr: hop(4)}, {Name: "b", Addr: hop(5)}}, trace.ICMP
	})
	for _, tc := range []struct {
		name, in string
		ok       func(Model) bool
	}{
		{"q", "q", func(m Model) bool { return m.done }},
		{"ctrl+c", "\x03", func(m Model) bool { return m.done }},
		{"p", "pq", func(m Model) bool { return m.paused }},
		{"space resumes", "p q", func(m Model) bool { return !m.paused }},
		{"space alone", " q", func(m Model) bool { return !m.paused }},
		{"r", "rq", func(m Model) bool { return m.tabs[0].resets == 1 && m.tabs[1].resets == 1 }},
		{"n", "nq", func(m Model) bool { return m.numeric }},
		{"d", "ddq", func(m Model) bool { return m.mode == modeVerdict }},
		{"j", "jq", func(m Model) bool { return m.json != nil }},
		{"j twice", "jjq", func(m Model) bool { return m.json == nil }},
		{"tab", "\tq", func(m Model) bool { return m.active == 1 }},
		{"shift+tab", "\x1b[Zq", func(m Model) bool { return m.active == 1 }},
		{"right", "\x1b[Cq", func(m Model) bool { return m.active == 1 }},
		{"left", "\x1b[C\x1b[Dq", func(m Model) bool { return m.active == 0 }},
		{"2", "2q", func(m Model) bool { return m.active == 1 }},
		{"down", "\x1b[B\x1b[B\x1b[Bq", func(m Model) bool { return m.scroll == 3 }},
		{"up", "\x1b[B\x1b[B\x1b[Aq", func(m Model) bool { return m.scroll == 1 }},
		{"pgdown", "\x1b[6~q", func(m Model) bool { return m.scroll == m.bodyHeight() }},
		{"pgup", "\x1b[6~\x1b[6~\x1b[5~q", func(m Model) bool { return m.scroll == m.bodyHeight() }},
		{"home", "\x1b[6~\x1b[Hq", func(m Model) bool { return m.scroll == 0 }},
	} {
		// The program's own size message races the input reader, so the
		// model starts at the size it is told: the keys see 120x40
		// whichever comes first.
		start, _ := New(cfg).Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		prog := tea.NewProgram(start, tea.WithContext(t.Context()), tea.WithInput(strings.NewReader(tc.in)),
			tea.WithOutput(io.Discard), tea.WithWindowSize(120, 40), tea.WithoutSignalHandler())
		end, err := prog.Run()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if m := end.(Model); !m.done || !tc.ok(m) {
			t.Errorf("%s (%q): the keys did not act: done=%v paused=%v mode=%d active=%d scroll=%d numeric=%v json=%v",
				tc.name, tc.in, m.done, m.paused, m.mode, m.active, m.scroll, m.numeric, m.json != nil)
		}
	}
}
