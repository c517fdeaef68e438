package rfc5424

import (
	"errors"
	"strings"
)

// message is an RFC 5424 message taken apart by parse, a strict reader
// used to check what Format writes.
type message struct {
	pri                          string
	ts, host, app, procid, msgid string
	sd                           map[string]map[string]string
	msg                          string
}

// parse reads one message (RFC 5424, section 6), failing on any syntax
// error.
func parse(b []byte) (message, error) {
	s := string(b)
	var m message
	if !strings.HasPrefix(s, "<") {
		return m, errors.New("no PRI")
	}
	end := strings.Index(s, ">")
	if end < 2 || end > 4 {
		return m, errors.New("bad PRI")
	}
	m.pri, s = s[1:end], s[end+1:]
	if !strings.HasPrefix(s, "1 ") {
		return m, errors.New("no VERSION 1")
	}
	s = s[2:]
	fields := make([]string, 5)
	for i := range fields {
		sp := strings.IndexByte(s, ' ')
		if sp <= 0 {
			return m, errors.New("short header")
		}
		fields[i], s = s[:sp], s[sp+1:]
		for _, c := range []byte(fields[i]) {
			if c < 33 || c > 126 {
				return m, errors.New("header field not printable ASCII")
			}
		}
	}
	m.ts, m.host, m.app, m.procid, m.msgid = fields[0], fields[1], fields[2], fields[3], fields[4]
	m.sd = map[string]map[string]string{}
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	} else {
		for strings.HasPrefix(s, "[") {
			s = s[1:]
			id, rest, ok := name(s)
			if !ok {
				return m, errors.New("bad SD-ID")
			}
			params := map[string]string{}
			m.sd[id] = params
			s = rest
			for strings.HasPrefix(s, " ") {
				pn, rest, ok := name(s[1:])
				if !ok || !strings.HasPrefix(rest, `="`) {
					return m, errors.New("bad SD-PARAM")
				}
				s = rest[2:]
				var v strings.Builder
				for {
					if s == "" {
						return m, errors.New("unterminated PARAM-VALUE")
					}
					c := s[0]
					if c == '\\' && len(s) > 1 && strings.IndexByte(`"\]`, s[1]) >= 0 {
						v.WriteByte(s[1])
						s = s[2:]
						continue
					}
					if c == '"' {
						s = s[1:]
						break
					}
					if c == ']' {
						return m, errors.New("unescaped ] in PARAM-VALUE")
					}
					v.WriteByte(c)
					s = s[1:]
				}
				params[pn] = v.String()
			}
			if !strings.HasPrefix(s, "]") {
				return m, errors.New("unterminated SD-ELEMENT")
			}
			s = s[1:]
		}
		if len(m.sd) == 0 {
			return m, errors.New("no STRUCTURED-DATA")
		}
	}
	if s != "" {
		if !strings.HasPrefix(s, " ") {
			return m, errors.New("no space before MSG")
		}
		m.msg = strings.TrimPrefix(s[1:], "\uFEFF")
	}
	return m, nil
}

// name reads an SD-NAME: 1 to 32 printable ASCII characters but = SP ] ".
func name(s string) (string, string, bool) {
	i := 0
	for i < len(s) && s[i] > 32 && s[i] < 127 && s[i] != '=' && s[i] != ']' && s[i] != '"' {
		i++
	}
	return s[:i], s[i:], i > 0 && i <= 32
}
