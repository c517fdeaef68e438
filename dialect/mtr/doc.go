// Package mtr writes a trace report (trace.Report, several rounds) as mtr
// 0.95 does: --report's table byte for byte, and --json's document.
//
// Everything here is pure: a report in, text or a document out; safe for
// concurrent use.
package mtr
