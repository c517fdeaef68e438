package tui

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

var (
	styleTitle  = lipgloss.NewStyle().Bold(true)
	styleActive = lipgloss.NewStyle().Reverse(true).Bold(true)
	styleHeader = lipgloss.NewStyle().Bold(true)
	stylePaused = lipgloss.NewStyle().Reverse(true).Bold(true)
	styleKeys   = lipgloss.NewStyle().Faint(true)
	styleError  = lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)
	styleLabel  = map[string]lipgloss.Style{
		"CRITICAL": lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		"WARNING":  lipgloss.NewStyle().Foreground(lipgloss.Color("3")).Bold(true),
		"INFO":     lipgloss.NewStyle().Foreground(lipgloss.Color("6")),
		"UNKNOWN":  lipgloss.NewStyle().Foreground(lipgloss.Color("5")).Bold(true),
		"OK":       lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
	}
)

const keysLine = "q quit  p pause  r reset  n names  d display  j json  tab target"

// View is the screen, a pure function of the model, on the alternate
// screen (bubbletea gives the terminal its own screen back when the view
// ends). Nothing in it asks the terminal anything.
func (m Model) View() tea.View {
	v := tea.NewView(m.draw())
	v.AltScreen = true
	return v
}

// draw is the text of the screen, styled; empty once the view is done (the
// report follows on the terminal).
func (m Model) draw() string {
	if m.done {
		return ""
	}
	var lines []string
	lines = append(lines, m.titleLine())
	if len(m.tabs) > 1 {
		lines = append(lines, m.tabLine())
	}
	if len(m.tabs) == 0 {
		return strings.Join(append(lines, "no targets"), "\n")
	}
	t := &m.tabs[m.active]
	lines = append(lines, fit(m.targetLine(t), m.width))
	body := m.bodyHeight()
	var b []string
	switch {
	case m.json != nil:
		b = m.jsonBody(t, body)
	case t.err != "" && !t.have:
		b = []string{styleError.Render(fit("stopped: "+t.err, m.width))}
	case !t.have:
		b = []string{fit(fmt.Sprintf("waiting for the first round to %s ...", t.target.Name), m.width)}
	case m.mode == modeHistory:
		b = m.historyBody(t, body)
	case m.mode == modeVerdict:
		b = m.verdictBody(t, body)
	default:
		b = m.statsBody(t, body)
	}
	lines = append(lines, b[:min(len(b), body)]...) // a tiny screen cuts the verdict too
	for len(lines) < m.height-1 {
		lines = append(lines, "")
	}
	lines = append(lines, styleKeys.Render(fit(keysLine, m.width)))
	return strings.Join(lines, "\n")
}

// bodyHeight is how many lines the body may take.
func (m Model) bodyHeight() int {
	fixed := 3 // title, target line, keys
	if len(m.tabs) > 1 {
		fixed++
	}
	return max(1, m.height-fixed)
}

func (m Model) titleLine() string {
	mode := [...]string{"statistics", "history", "verdict"}[m.mode]
	if m.json != nil {
		mode = "raw JSON"
	}
	names := "names"
	switch {
	case m.cfg.Numeric:
		names = "numeric (-n)"
	case m.numeric:
		names = "numeric"
	}
	left := fmt.Sprintf("netdx trace --live  %s every %v  %s  %s", m.cfg.Protocol, m.cfg.Interval, names, mode)
	if !m.paused {
		return styleTitle.Render(fit(left, m.width))
	}
	const p = " PAUSED (p or space resumes) "
	if m.width <= len(p)+10 {
		return stylePaused.Render(fit(p, m.width))
	}
	return styleTitle.Render(fit(left, m.width-len(p)-1)) + " " + stylePaused.Render(p)
}

func (m Model) tabLine() string {
	var parts []string
	used := 0
	for i, t := range m.tabs {
		s := fmt.Sprintf(" %d %s ", i+1, clean(t.target.Name, 40))
		if used+len(s)+1 > m.width {
			break
		}
		used += len(s) + 1
		if i == m.active {
			s = styleActive.Render(s)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func (m Model) targetLine(t *tab) string {
	s := fmt.Sprintf("to %s (%s)", clean(t.target.Name, 80), t.target.Addr)
	if !t.have {
		return s
	}
	sn := t.snap
	s += fmt.Sprintf(": round %d", sn.Rounds)
	if n := len(sn.Evidence.Rounds); n < sn.Rounds {
		s += fmt.Sprintf(" (the last %d read)", n)
	}
	if e := t.echo; e != nil {
		s += fmt.Sprintf(", %d echo requests", sn.Echoes)
		if sn.Echoes > e.Sent {
			s += fmt.Sprintf(" (the last %d read)", e.Sent)
		}
	}
	if t.err != "" {
		s += "; stopped: " + t.err
	}
	return s
}

// Widths of the statistics table.
const (
	ttlWidth   = 5  // " 12. "
	statsWidth = 55 // the numeric columns, with their separators
	minHost    = 20
	idealHost  = 36
	minHistory = 8
	maxHistory = 60
)

func (m Model) hostText(r hopRow, a netip.Addr) string {
	if !a.IsValid() {
		return "???"
	}
	s := a.String()
	if n := m.names[a]; n != "" && !m.numeric {
		s = n + " (" + s + ")"
	}
	return s
}

// hopHost is the host column of a row: the first address, its mark and
// MPLS labels inline.
func (m Model) hopHost(r hopRow) string {
	var a netip.Addr
	if len(r.addrs) > 0 {
		a = r.addrs[0]
	}
	s := m.hostText(r, a)
	if r.mark != "" {
		s += " " + r.mark
	}
	if r.mpls != "" {
		s += " " + r.mpls
	}
	return s
}

func (m Model) statsBody(t *tab, height int) []string {
	verdict := t.verdict()
	// The host column first (up to idealHost), then the history, then
	// whatever is left to the host again.
	avail := m.width - ttlWidth - statsWidth
	host, hist := max(avail, 8), 0
	if avail >= minHost+minHistory+1 {
		hist = min(maxHistory, avail-min(idealHost, avail-minHistory-1)-1)
		host = avail - hist - 1
	}
	head := fit("Host", ttlWidth+host) + fmt.Sprintf(" %6s %5s %6s %6s %6s %6s %6s %6s", "Loss%", "Snt", "Last", "Avg", "Best", "Wrst", "StDev", "Jttr")
	if hist > 0 {
		head += " " + fit("History", hist)
	}
	out := []string{styleHeader.Render(fit(head, m.width))}
	scale := t.scale()
	var rows []string
	for _, r := range t.rows {
		line := fmt.Sprintf("%3d. ", r.ttl) + fit(m.hopHost(r), host)
		if r.received > 0 {
			line += fmt.Sprintf(" %5.1f%% %5d %6.1f %6.1f %6.1f %6.1f %6.1f %6.1f", r.lossPct, r.sent,
				ms(r.last), ms(r.avg), ms(r.best), ms(r.worst), ms(r.stdev), ms(r.jitter))
		} else {
			line += fmt.Sprintf(" %5.1f%% %5d %6s %6s %6s %6s %6s %6s", r.lossPct, r.sent, "", "", "", "", "", "")
		}
		if hist > 0 {
			line += " " + strip(r.history, hist, scale)
		}
		rows = append(rows, fit(line, m.width))
		for _, a := range r.addrs[min(1, len(r.addrs)):min(4, len(r.addrs))] {
			rows = append(rows, fit("     "+m.hostText(r, a), m.width))
		}
	}
	var vlines []string
	for _, v := range verdict {
		vlines = append(vlines, renderVerdict(v, m.width)...)
	}
	// The verdict keeps its room; the rows take the rest.
	room := height - 1 - (len(vlines) + 2)
	out = append(out, window(rows, m.scroll, max(room, 1))...)
	out = append(out, "", styleHeader.Render(fit(m.verdictTitle(t), m.width)))
	return append(out, vlines...)
}

// window is the part of lines from scroll that fits n lines, with a last
// line saying what is cut.
func window(lines []string, scroll, n int) []string {
	scroll = min(scroll, max(0, len(lines)-1))
	lines = lines[scroll:]
	if len(lines) <= n {
		return lines
	}
	return append(lines[:n-1:n-1], fmt.Sprintf("     ... %d more (down arrow scrolls)", len(lines)-(n-1)))
}

func (m Model) verdictTitle(t *tab) string {
	s := fmt.Sprintf("Verdict (diagnose over %d rounds", t.rep.Rounds)
	if t.echo != nil {
		s += fmt.Sprintf(" and %d echo requests", t.echo.Sent)
	}
	return s + "):"
}

// renderVerdict is a verdict line, its label coloured, wrapped under its
// text when it is longer than the screen is wide.
func renderVerdict(v verdictLine, width int) []string {
	l := fmt.Sprintf(" %-8s ", v.label)
	lines := wrap(v.text, width-len(l))
	for i := range lines {
		if i == 0 {
			lines[i] = styleLabel[v.label].Render(l) + lines[i]
			continue
		}
		lines[i] = strings.Repeat(" ", len(l)) + lines[i]
	}
	return lines
}

func (m Model) historyBody(t *tab, height int) []string {
	scale := t.scale()
	host := min(30, max(minHost, m.width/3))
	hist := max(1, m.width-ttlWidth-host-1)
	legend := fmt.Sprintf("History, oldest first: %s RTT 0 to %.1f ms, ? lost, . no answer (later hops answered), - rate-limited",
		string(levels[0])+".."+string(levels[len(levels)-1]), ms(scale))
	out := []string{styleHeader.Render(fit(legend, m.width))}
	var rows []string
	for _, r := range t.rows {
		rows = append(rows, fit(fmt.Sprintf("%3d. ", r.ttl)+fit(m.hopHost(r), host)+" "+strip(r.history, hist, scale), m.width))
	}
	return append(out, window(rows, m.scroll, max(1, height-1))...)
}

func (m Model) verdictBody(t *tab, height int) []string {
	out := []string{styleHeader.Render(fit(m.verdictTitle(t), m.width))}
	var lines []string
	for _, f := range t.findings {
		lines = append(lines, renderVerdict(verdictLine{label: label(f), text: string(f.Kind) + ": " + printable(f.Summary)}, m.width)...)
	}
	if len(t.findings) == 0 {
		for _, v := range t.verdict() {
			lines = append(lines, renderVerdict(v, m.width)...)
		}
	}
	return append(out, window(lines, m.scroll, max(1, height-1))...)
}

func (m Model) jsonBody(t *tab, height int) []string {
	title := fmt.Sprintf("Last round to %s as JSON (j or esc: back, arrows scroll):", clean(t.target.Name, 80))
	out := []string{styleHeader.Render(fit(title, m.width))}
	if len(m.json) == 0 {
		return append(out, "no round yet")
	}
	lines := make([]string, len(m.json))
	for i, l := range m.json {
		lines[i] = fit(l, m.width)
	}
	return append(out, window(lines, m.scroll, max(1, height-1))...)
}

// levels draw an RTT from 0 to the scale.
var levels = []rune("▁▂▃▄▅▆▇█")

// strip is the last n points of a history, newest right, scaled to
// scale: bars for answers, '?' for loss, '.' for a silent hop, '-' for a
// rate-limited one, ' ' for a round that did not probe the hop.
func strip(h []point, n int, scale time.Duration) string {
	h = h[max(0, len(h)-n):]
	b := make([]rune, 0, n)
	for range n - len(h) {
		b = append(b, ' ')
	}
	for _, p := range h {
		switch p.kind {
		case answered:
			i := 0
			if scale > 0 {
				i = min(len(levels)-1, max(0, int(float64(p.rtt)/float64(scale)*float64(len(levels)-1)+0.5)))
			}
			b = append(b, levels[i])
		case lost:
			b = append(b, '?')
		case silent:
			b = append(b, '.')
		case limited:
			b = append(b, '-')
		default:
			b = append(b, ' ')
		}
	}
	return string(b)
}

// scale is the largest RTT in the tab's history: one scale for every hop,
// so that the strip shows where latency is added.
func (t *tab) scale() time.Duration {
	var s time.Duration
	for _, r := range t.rows {
		for _, p := range r.history {
			if p.kind == answered {
				s = max(s, p.rtt)
			}
		}
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fit pads or cuts s to exactly w columns (s holds one-column runes).
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	r := []rune(s)
	switch {
	case len(r) > w:
		return string(r[:w-1]) + "…"
	case len(r) < w:
		return s + strings.Repeat(" ", w-len(r))
	}
	return s
}

// wrap breaks s into lines of exactly w columns, at spaces where it can.
func wrap(s string, w int) []string {
	if w < 10 {
		return []string{fit(s, w)}
	}
	var out []string
	r := []rune(s)
	for len(r) > w {
		cut := w
		for cut > w/2 && r[cut] != ' ' {
			cut--
		}
		if r[cut] != ' ' {
			cut = w
		}
		out = append(out, fit(string(r[:cut]), w))
		r = []rune(strings.TrimLeft(string(r[cut:]), " "))
	}
	return append(out, fit(string(r), w))
}
