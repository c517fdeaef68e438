package tui

import (
	"encoding/json"
	"net/netip"
	"strings"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"

	"netdx/check"
	"netdx/diagnose"
	"netdx/trace"
)

// Target is one tab of the view.
type Target struct {
	Name string
	Addr netip.Addr
}

// Control is what the view asks of the streams behind it (check.Stream
// does it for one target; the caller fans out). The view calls it from
// commands, outside Update.
type Control interface {
	Pause(paused bool)
	Reset()
}

// Config configures the view; start from DefaultConfig. Zero values: no
// control (keys p and r only change the screen), names shown.
type Config struct {
	Targets []Target
	// Diagnose holds the thresholds of the verdict.
	Diagnose diagnose.Config
	Control  Control
	// Numeric shows addresses only, for good (mtr's -n: nothing is looked
	// up); otherwise n toggles names.
	Numeric bool
	// Protocol and Interval say how the rounds probe, for the header.
	Protocol trace.Protocol
	Interval time.Duration
	// Rounds, if positive, quits once every target has completed that
	// many rounds (mtr's -c).
	Rounds int
}

// DefaultConfig judges with diagnose's default thresholds, until q.
func DefaultConfig() Config { return Config{Diagnose: diagnose.DefaultConfig()} }

// Display modes, switched with d.
const (
	modeStats   = iota // mtr's columns and a short history
	modeHistory        // the history strip across the screen
	modeVerdict        // every finding in diagnose's words
	modes
)

// Messages from the streams and the name lookups.
type (
	// SnapshotMsg is a stream's evidence after a round.
	SnapshotMsg struct {
		Tab      int
		Snapshot check.Snapshot
	}
	// ErrorMsg is a stream that stopped.
	ErrorMsg struct {
		Tab int
		Err error
	}
	// NameMsg is a reverse lookup's answer.
	NameMsg struct {
		Addr netip.Addr
		Name string
	}
)

// maxNames bounds the names the view keeps (addresses come from the
// network: a path that changes every round must not grow the view).
const maxNames = 4096

// Model is the live view: the Elm architecture's model, fed snapshots.
// Update returns a new model; View draws it as a string, nothing else.
type Model struct {
	cfg     Config
	tabs    []tab
	active  int
	width   int
	height  int
	mode    int
	paused  bool
	numeric bool
	names   map[netip.Addr]string
	json    []string // the raw JSON lines shown, nil when not showing
	scroll  int      // first line of the JSON shown
	done    bool
}

// New returns the view of cfg.Targets, before any snapshot, as an 80x24
// screen until the terminal says its size.
func New(cfg Config) Model {
	m := Model{cfg: cfg, width: 80, height: 24, numeric: cfg.Numeric, names: map[netip.Addr]string{}}
	for _, t := range cfg.Targets {
		m.tabs = append(m.tabs, tab{target: t})
	}
	return m
}

// Init starts nothing: snapshots come from the streams.
func (m Model) Init() tea.Cmd { return nil }

// Paused reports whether the view (and the streams) are paused.
func (m Model) Paused() bool { return m.paused }

// Update applies one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = max(msg.Width, 20), max(msg.Height, 5)
	case tea.KeyPressMsg:
		return m.key(msg)
	case SnapshotMsg:
		return m.snapshot(msg)
	case ErrorMsg:
		if msg.Tab >= 0 && msg.Tab < len(m.tabs) && msg.Err != nil {
			m.tabs = cloneTabs(m.tabs)
			m.tabs[msg.Tab].err = clean(msg.Err.Error(), 300)
		}
	case NameMsg:
		if _, ok := m.names[msg.Addr]; ok || len(m.names) < maxNames {
			names := make(map[netip.Addr]string, len(m.names)+1)
			for k, v := range m.names {
				names[k] = v
			}
			names[msg.Addr] = clean(msg.Name, 253)
			m.names = names
		}
	}
	return m, nil
}

func (m Model) snapshot(msg SnapshotMsg) (tea.Model, tea.Cmd) {
	if msg.Tab < 0 || msg.Tab >= len(m.tabs) || m.paused {
		return m, nil
	}
	t := m.tabs[msg.Tab]
	if msg.Snapshot.Resets < t.resets {
		return m, nil // taken before the reset this view asked for
	}
	m.tabs = cloneTabs(m.tabs)
	t.rows = nil // take builds new rows: the old model keeps its own
	t.take(msg.Snapshot, m.cfg.Diagnose)
	m.tabs[msg.Tab] = t
	if msg.Tab == m.active && m.json != nil {
		m.json = m.roundJSON()
	}
	if m.cfg.Rounds > 0 && m.allDone() {
		m.done = true
		return m, tea.Quit
	}
	return m, nil
}

// allDone reports whether every target has completed cfg.Rounds rounds.
func (m Model) allDone() bool {
	for _, t := range m.tabs {
		if t.err == "" && (!t.have || t.snap.Rounds < m.cfg.Rounds) {
			return false
		}
	}
	return true
}

func (m Model) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch s := k.String(); s {
	case "q", "ctrl+c":
		m.done = true
		return m, tea.Quit
	case "p", "space":
		if s == "space" && !m.paused {
			break // space resumes, as in mtr
		}
		m.paused = !m.paused
		return m, m.control(func(c Control) { c.Pause(m.paused) })
	case "r":
		m.tabs = cloneTabs(m.tabs)
		for i := range m.tabs {
			m.tabs[i].resets++
			m.tabs[i].clear()
		}
		if m.json != nil {
			m.json = m.roundJSON()
		}
		return m, m.control(func(c Control) { c.Reset() })
	case "n":
		if !m.cfg.Numeric { // started with -n, nothing was looked up (mtr's way)
			m.numeric = !m.numeric
		}
	case "d":
		m.mode = (m.mode + 1) % modes
	case "j":
		if m.json != nil {
			m.json = nil
			break
		}
		m.json, m.scroll = m.roundJSON(), 0
	case "esc":
		m.json = nil
	case "tab", "right":
		m.switchTab(m.active + 1)
	case "shift+tab", "left":
		m.switchTab(m.active - 1 + len(m.tabs))
	case "up":
		m.scroll = max(0, m.scroll-1)
	case "down":
		m.scroll++
	case "pgup":
		m.scroll = max(0, m.scroll-m.bodyHeight())
	case "pgdown":
		m.scroll += m.bodyHeight()
	case "home":
		m.scroll = 0
	default:
		if len(s) == 1 && s[0] >= '1' && s[0] <= '9' && int(s[0]-'1') < len(m.tabs) {
			m.switchTab(int(s[0] - '1'))
		}
	}
	return m, nil
}

func (m *Model) switchTab(i int) {
	if len(m.tabs) == 0 {
		return
	}
	m.active = i % len(m.tabs)
	m.scroll = 0
	if m.json != nil {
		m.json = m.roundJSON()
	}
}

// control is a command that asks the streams for something, or nil
// without a Control.
func (m Model) control(do func(Control)) tea.Cmd {
	c := m.cfg.Control
	if c == nil {
		return nil
	}
	return func() tea.Msg {
		do(c)
		return nil
	}
}

// roundJSON is the active tab's last round in the trace JSON contract, as
// lines.
func (m Model) roundJSON() []string {
	if len(m.tabs) == 0 {
		return []string{}
	}
	rounds := m.tabs[m.active].snap.Evidence.Rounds
	if len(rounds) == 0 {
		return []string{}
	}
	r := rounds[len(rounds)-1]
	r.Target = m.tabs[m.active].target.Name // as netdx trace --json names it
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return []string{"json: " + err.Error()}
	}
	return strings.Split(string(b), "\n")
}

func cloneTabs(t []tab) []tab { return append([]tab(nil), t...) }

// printable replaces what is not printable in s (netdx's own words, with
// addresses and the names the user typed) by '?'.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}

// clean keeps the printable ASCII of s (a name from DNS, an error that
// quotes the network), at most n bytes: nothing from outside reaches the
// terminal as a control sequence.
func clean(s string, n int) string {
	b := make([]byte, 0, min(len(s), n))
	for i := 0; i < len(s) && len(b) < n; i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		b = append(b, c)
	}
	return string(b)
}
