// Package tui is the model of `netdx trace --live`: mtr's screen (per hop
// the address and name, forward Loss%, Snt, Last, Avg, Best, Wrst, StDev,
// jitter, an RTT history strip, MPLS labels and unreachable marks inline)
// with diagnose's verdict on it, one tab per target.
//
// It follows bubbletea's Elm architecture: a Model fed messages —
// snapshots of check.Stream's evidence (SnapshotMsg), reverse lookups
// (NameMsg), stream failures (ErrorMsg), keys and terminal sizes — whose
// Update computes everything the screen shows (trace.Summarize and
// diagnose.Path over the snapshot, once per round) and whose View is a
// pure string drawn with lipgloss. The engines know nothing of it; it
// asks the streams to pause and reset through the small Control
// interface, from commands. Keys are mtr's: q quit, p pause (space
// resumes), r reset, n names, d display mode (statistics, history,
// verdict), and j shows the raw JSON of the current round; tab,
// shift+tab, the arrows and 1-9 switch targets, the arrows scroll.
//
// Run is the shell around the model: it starts a check.Stream per target
// (failing before anything is drawn when one cannot open its sockets),
// feeds the program their snapshots and the hops' names (looked up aside,
// never on the drawing path), and when the view ends — q, Ctrl-C, the
// rounds asked for, or the context — restores the terminal and returns
// each stream's last evidence for the caller's report.
//
// The model needs no privileges nor a terminal: tests drive Update and
// read View. A Model is a value; use it from one goroutine (bubbletea's).
// Run needs a terminal, and the privileges of the streams' sockets.
package tui
