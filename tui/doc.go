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
// Nothing here needs privileges or a terminal: tests drive Update and
// read View. A Model is a value; use it from one goroutine (bubbletea's).
package tui
