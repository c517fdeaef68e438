package rfc5424

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"netdx/diagnose"
	"netdx/watch/record"
)

// SD-IDs of netdx's structured data, under the documentation enterprise
// number of RFC 5612.
const (
	SDID         = "netdx@32473"
	SDIDEvidence = "evidence@32473"
)

// Syslog severities (RFC 5424, section 6.2.1).
const (
	sevCrit    = 2
	sevWarning = 4
	sevNotice  = 5
	sevInfo    = 6
)

// Header is what every message of a writer carries besides the record,
// and how its text is written.
type Header struct {
	Facility int    // 0–23
	Hostname string // used when the record has no host
	AppName  string
	PID      int
	// BOM starts a text that is not ASCII with the byte order mark of
	// RFC 5424's MSG-UTF8 (rsyslog keeps it in %msg%).
	BOM bool
	// Journal is the journal file that keeps snapshots whole; empty when
	// the watch keeps none.
	Journal string
}

// param is one SD-PARAM.
type param struct{ name, value string }

// Format renders r as one RFC 5424 message with sequence number seq (1 …
// 2^31-1, in a meta element), at most maxSize bytes: the evidence element
// goes first, then the free-form message is cut, when the whole would be
// longer, and "..." marks the cut. truncated says whether anything was left out.
func Format(r record.Record, h Header, seq uint32, maxSize int) (msg []byte, truncated bool) {
	sev, main, evidence, text := describe(r, h.Journal)
	host := cmp.Or(r.Host, h.Hostname)
	ts := "-"
	if !r.Time.IsZero() {
		ts = r.Time.UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	head := fmt.Sprintf("<%d>1 %s %s %s %d %s ", h.Facility*8+sev, ts,
		headerField(host, 255), headerField(h.AppName, 48), h.PID, headerField(string(r.Kind), 32))
	meta := element("meta", []param{{"sequenceId", strconv.FormatUint(uint64(seq), 10)}})
	sd := meta + element(SDID, main)
	ev := element(SDIDEvidence, evidence)
	text = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' ' // one message, one line
		}
		return r
	}, strings.ToValidUTF8(text, "\uFFFD"))
	build := func(sd, text string) string {
		if text == "" {
			return head + sd
		}
		if h.BOM && !isASCII(text) {
			text = "\uFEFF" + text // RFC 5424's MSG-UTF8
		}
		return head + sd + " " + text
	}
	if m := build(sd+ev, text); maxSize <= 0 || len(m) <= maxSize {
		return []byte(m), false
	}
	if m := build(sd, text); len(m) <= maxSize {
		return []byte(m), true
	}
	room := maxSize - len(build(sd, "x")) + 1 - len("...")
	if h.BOM && !isASCII(text) {
		room -= 3 // the BOM
	}
	if room > 0 {
		cut := text[:room]
		for !utf8.ValidString(cut) {
			cut = cut[:len(cut)-1]
		}
		return []byte(build(sd, cut+"...")), true
	}
	return []byte(build(meta+element(SDID, []param{{"truncated", "true"}}), "")), true
}

// describe picks the severity, the structured data and the text of r;
// journal is the file that keeps snapshots whole, if any.
func describe(r record.Record, journal string) (sev int, main, evidence []param, text string) {
	switch {
	case r.Finding != nil:
		f := r.Finding
		main = findingParams(f)
		evidence = evidenceParams(f.Evidence)
		if r.Kind == record.KindCleared {
			if !r.Since.IsZero() {
				main = append(main, param{"since", r.Since.UTC().Format(time.RFC3339)})
			}
			return sevNotice, main, evidence, "cleared: " + f.Summary
		}
		return findingSeverity(f.Severity), main, evidence, f.Summary
	case r.Audit != nil:
		return auditMessage(r.Audit)
	case r.Notice != nil:
		n := r.Notice
		main = []param{{"source", n.Source}, {"event", n.Event}}
		if n.Count != 0 {
			main = append(main, param{"count", strconv.FormatInt(n.Count, 10)})
		}
		if n.File != "" {
			main = append(main, param{"file", n.File})
		}
		return sevWarning, main, nil, n.Message
	case r.Snapshot != nil:
		s := r.Snapshot
		where := "not kept: the watch keeps no journal"
		if journal != "" {
			where = "in the journal " + journal
		}
		return sevNotice, []param{{"target", s.Target}, {"reason", s.Reason}}, nil,
			fmt.Sprintf("snapshot of the path to %s and the sockets: %s (%s)", s.Target, s.Reason, where)
	case r.Round != nil:
		return roundMessage(r.Round)
	}
	return sevNotice, nil, nil, ""
}

func findingSeverity(s diagnose.Severity) int {
	switch s {
	case diagnose.Critical:
		return sevCrit
	case diagnose.Warning:
		return sevWarning
	}
	return sevInfo
}

func findingParams(f *diagnose.Finding) []param {
	p := []param{{"kind", string(f.Kind)}, {"severity", f.Severity.String()}}
	add := func(name, v string) {
		if v != "" {
			p = append(p, param{name, v})
		}
	}
	add("target", f.Target)
	if f.Hop != 0 {
		add("hop", strconv.Itoa(f.Hop))
	}
	add("addr", f.Addr)
	add("interface", f.Interface)
	if f.PID != 0 {
		add("pid", strconv.Itoa(f.PID))
	}
	add("process", f.Process)
	return p
}

// evidenceParams renders the evidence map in key order: numbers and
// strings as they are, anything else as compact JSON.
func evidenceParams(ev map[string]any) []param {
	var p []param
	for _, k := range slices.Sorted(maps.Keys(ev)) {
		name := paramName(k)
		if name == "" {
			continue
		}
		var v string
		switch x := ev[k].(type) {
		case string:
			v = x
		case float64:
			v = strconv.FormatFloat(x, 'f', -1, 64)
		case int:
			v = strconv.Itoa(x)
		case bool:
			v = strconv.FormatBool(x)
		default:
			b, err := json.Marshal(x)
			if err != nil {
				continue
			}
			v = string(b)
		}
		p = append(p, param{name, v})
	}
	return p
}

func auditMessage(a *record.Audit) (sev int, main, evidence []param, text string) {
	main = []param{{"event", a.Event}, {"proto", a.Proto}, {"local", a.Local}}
	if a.Remote != "" {
		main = append(main, param{"remote", a.Remote})
	}
	owner := ""
	if a.PID != 0 {
		main = append(main, param{"pid", strconv.Itoa(a.PID)})
		owner = fmt.Sprintf(" by %s[%d]", a.Process, a.PID)
	}
	if a.Process != "" {
		main = append(main, param{"process", a.Process})
	}
	main = append(main, param{"uid", strconv.FormatUint(uint64(a.UID), 10)})
	plain := ""
	if a.Cleartext != "" {
		main = append(main, param{"cleartext", a.Cleartext})
		plain = fmt.Sprintf(" (%s, cleartext: use %s)", a.Cleartext, a.Alternative)
	}
	if a.Closed {
		main = append(main, param{"closed", "true"})
	}
	switch a.Event {
	case record.EventListener:
		sev, text = sevNotice, fmt.Sprintf("new %s listener on %s%s%s", a.Proto, a.Local, plain, owner)
	default:
		sev, text = sevInfo, fmt.Sprintf("inbound %s connection from %s to %s%s%s", a.Proto, a.Remote, a.Local, plain, owner)
		if a.Closed {
			text += ", closed before the next poll"
		}
	}
	if a.Cleartext != "" {
		sev = sevWarning
	}
	return sev, main, nil, text
}

func roundMessage(r *record.Round) (sev int, main, evidence []param, text string) {
	worst, at := 0.0, ""
	for _, t := range r.Targets {
		if t.LossPct >= worst {
			worst, at = t.LossPct, t.Target
		}
	}
	main = []param{{"seq", strconv.FormatUint(r.Seq, 10)}, {"targets", strconv.Itoa(len(r.Targets))}}
	text = fmt.Sprintf("round %d: %d targets", r.Seq, len(r.Targets))
	if at != "" {
		text += fmt.Sprintf(", worst loss %.1f%% (%s)", worst, at)
	}
	return sevInfo, main, nil, text
}

// element renders one SD-ELEMENT; none for no parameters.
func element(id string, ps []param) string {
	if len(ps) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("[" + id)
	for _, p := range ps {
		b.WriteString(" " + p.name + `="`)
		writeValue(&b, p.value)
		b.WriteString(`"`)
	}
	b.WriteString("]")
	return b.String()
}

// writeValue escapes a PARAM-VALUE: '"', '\' and ']' take a backslash;
// control characters become spaces so that no message spans lines.
func writeValue(b *strings.Builder, v string) {
	for _, r := range strings.ToValidUTF8(v, "\uFFFD") {
		switch {
		case r == '"' || r == '\\' || r == ']':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
}

// paramName makes an SD-NAME of k: printable ASCII but '=', ' ', ']' and
// '"', at most 32 characters.
func paramName(k string) string {
	var b strings.Builder
	for i := 0; i < len(k) && b.Len() < 32; i++ {
		c := k[i]
		if c > 32 && c < 127 && c != '=' && c != ']' && c != '"' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// headerField makes a header field of s: printable ASCII, at most max
// characters, "-" (NILVALUE) when empty.
func headerField(s string, max int) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < max; i++ {
		if c := s[i]; c > 32 && c < 127 {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
