package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkFullWindow is the view's work for one round once the window is
// full (600 rounds of a 10-hop path, 6000 echo requests): Update reads the
// snapshot (Summarize, diagnose.Path, the rows), View draws it.
func BenchmarkFullWindow(b *testing.B) {
	p := lossy
	p.rtt = nil
	for k := 1; k <= 10; k++ {
		p.rtt = append(p.rtt, time.Duration(k)*time.Millisecond)
	}
	p.echoSent = 6000
	snap := p.snapshot(600)
	m := feed(&testing.T{}, New(one(p)), tea.WindowSizeMsg{Width: 120, Height: 40})
	b.ReportAllocs()
	for b.Loop() {
		nm, _ := m.Update(SnapshotMsg{Snapshot: snap})
		_ = nm.(Model).View()
	}
}
