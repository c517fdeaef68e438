package netdx

import (
	"fmt"
	"io"

	"netdx/diagnose"
)

// writeFinding prints one of diagnose's findings as a "!" line, the way
// "netdx link" and "netdx sockets" mark what is wrong:
//
//	! sniffer (critical): tcpdump[4242] (user root) captures eth0 …
func writeFinding(w io.Writer, indent string, f diagnose.Finding) {
	fmt.Fprintf(w, "%s! %s (%s): %s\n", indent, f.Kind, f.Severity, f.Summary)
}

// shown tracks which findings a renderer has printed, so that the rest
// can follow at the end: every finding is printed once.
type shown []bool

func (s shown) write(w io.Writer, indent string, fs []diagnose.Finding, keep func(diagnose.Finding) bool) {
	for i, f := range fs {
		if !s[i] && keep(f) {
			s[i] = true
			writeFinding(w, indent, f)
		}
	}
}

// socketKey names a socket: "tcp 0.0.0.0:23".
func socketKey(proto, local string) string { return proto + " " + local }

// findingSockets indexes the findings that are about one socket
// (cleartext_service, by protocol and local address), about a process
// (deleted_executable, by pid), a capture socket (sniffer, by inode) or a
// route (unexpected_gateway, by destination and gateway), for the marks
// next to the rows.
type findingSockets struct {
	bySocket map[string]diagnose.Finding
	byPID    map[int]diagnose.Finding
	byInode  map[uint32]diagnose.Finding
	byRoute  map[string]diagnose.Finding
}

func indexFindings(fs []diagnose.Finding) findingSockets {
	x := findingSockets{bySocket: map[string]diagnose.Finding{}, byPID: map[int]diagnose.Finding{},
		byInode: map[uint32]diagnose.Finding{}, byRoute: map[string]diagnose.Finding{}}
	for _, f := range fs {
		switch f.Kind {
		case diagnose.KindCleartextService:
			x.bySocket[socketKey(f.Proto, f.Local)] = f
		case diagnose.KindDeletedExecutable:
			x.byPID[f.PID] = f
		case diagnose.KindSniffer:
			if f.Inode != 0 {
				x.byInode[f.Inode] = f
			}
		case diagnose.KindUnexpectedGateway:
			x.byRoute[f.Route+" "+f.Addr] = f
		}
	}
	return x
}

// mark is the short note next to a row a finding is about: "! what
// (severity)" and, when there is more to say, ": more".
func mark(f diagnose.Finding, what, more string) string {
	s := fmt.Sprintf("! %s (%s)", what, f.Severity)
	if more != "" {
		s += ": " + more
	}
	return s
}
