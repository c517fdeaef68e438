package netdx

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"netdx/diagnose"
	"netdx/sockets"
)

// Sockets writes netdx sockets' report like ss, then diagnose's findings
// as "!" lines; the rows, capture sockets and routes a finding is about
// are marked next to them. cfg is the configuration the table was read
// with: it says which columns and sections were asked for.
func Sockets(w io.Writer, rep diagnose.SocketsReport, cfg sockets.Config) {
	bw := bufio.NewWriterSize(w, 64<<10)
	defer bw.Flush()
	t := rep.Table
	x := indexFindings(rep.Findings)
	socketRows(bw, t, x, cfg.TCPInfo)
	fmt.Fprintf(bw, "\n%d socket(s) shown. All sockets by state: %s\n", len(t.Sockets), stateCounts(t.States))
	if t.Interrupted {
		fmt.Fprintln(bw, "note: the socket table changed during the dump; counts may be off by a few")
	}
	if cfg.Capture {
		fmt.Fprintf(bw, "\nCapture sockets (%d, from %s):\n", len(t.CaptureSockets), t.CaptureSource)
		ct := newTable(len(t.CaptureSockets)+1, "PID", "Process", "User", "Interface", "Type", "Protocol", "Promisc", "")
		for _, c := range t.CaptureSockets {
			note := ""
			if f, ok := x.byInode[c.Inode]; ok {
				note = mark(f, "sniffer", "")
			}
			ct.add(append(captureRow(c), note)...)
		}
		ct.write(bw)
	}
	if len(t.Routes) > 0 || cfg.Routes {
		routeRows(bw, t.Routes, x)
	}
	if len(rep.Findings) > 0 {
		fmt.Fprintln(bw)
	}
	for _, f := range rep.Findings {
		writeFinding(bw, "", f)
	}
}

// socketRows writes the socket table, ss's columns (the owners when they
// were read, tcp_info's with info) and a note for the findings about a
// row.
func socketRows(bw *bufio.Writer, t sockets.Table, x findingSockets, info bool) {
	owners := t.Owners != nil
	head := []string{"Proto", "State", "Local", "Remote", "Recv-Q", "Send-Q", "User"}
	if owners {
		head = append(head, "Process")
	}
	if info {
		head = append(head, "RTT ms", "Retrans")
	}
	tab := newTable(len(t.Sockets)+1, append(head, "")...)
	for i := range t.Sockets {
		s := &t.Sockets[i]
		proto := s.Proto
		if s.Family == "ipv6" {
			proto += "6"
		}
		row := append(make([]string, 0, len(head)+1), proto, s.State, s.Local, s.Remote,
			strconv.FormatUint(uint64(s.RecvQ), 10), strconv.FormatUint(uint64(s.SendQ), 10), s.User)
		if owners {
			row = append(row, ownerText(s.Owner, s.OtherOwners))
		}
		if info {
			if s.TCPInfo != nil {
				row = append(row, strconv.FormatFloat(s.TCPInfo.RTTMS, 'f', 3, 64), strconv.FormatUint(uint64(s.TCPInfo.TotalRetrans), 10))
			} else {
				row = append(row, "-", "-")
			}
		}
		tab.add(append(row, socketNote(s, x))...)
	}
	tab.write(bw)
}

// socketNote marks a socket a finding is about: a cleartext service, a
// deleted executable.
func socketNote(s *sockets.Socket, x findingSockets) string {
	note := ""
	if s.Cleartext != "" {
		if f, ok := x.bySocket[socketKey(s.Proto, s.Local)]; ok {
			note = mark(f, "cleartext "+s.Cleartext, "use "+s.Alternative)
		}
	}
	if f, ok := x.byPID[s.PID]; ok && s.PID != 0 {
		note = strings.TrimSpace(note + "  " + mark(f, "deleted executable", s.Exe))
	}
	return note
}

// routeRows writes the routes via gateways, an unexpected one marked.
func routeRows(bw *bufio.Writer, routes []sockets.Route, x findingSockets) {
	fmt.Fprintln(bw, "\nRoutes via gateways:")
	rt := newTable(len(routes)+1, "Destination", "Gateway", "Interface", "Metric", "Table", "")
	for _, r := range routes {
		note := ""
		if f, ok := x.byRoute[r.Dst+" "+r.Gateway]; ok {
			note = mark(f, "unexpected gateway", "")
		}
		rt.add(r.Dst, r.Gateway, r.Interface, strconv.Itoa(r.Metric), strconv.Itoa(r.Table), note)
	}
	rt.write(bw)
	if len(routes) == 0 {
		fmt.Fprintln(bw, "(none: no default gateway)")
	}
}

// ownerText is a socket's owner, "sshd[612]", and how many other
// processes hold it too.
func ownerText(o sockets.Owner, others []sockets.Owner) string {
	if o.PID == 0 {
		return "-"
	}
	s := o.Process + "[" + strconv.Itoa(o.PID) + "]"
	if len(others) > 0 {
		s += " +" + strconv.Itoa(len(others))
	}
	return s
}

// stateCounts says how many sockets are in each state, by protocol, the
// most frequent first.
func stateCounts(states map[string]map[string]int) string {
	var parts []string
	for _, proto := range []string{"tcp", "udp"} {
		m := states[proto]
		if m == nil {
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || (m[keys[i]] == m[keys[j]] && keys[i] < keys[j]) })
		var kv []string
		for _, k := range keys {
			kv = append(kv, fmt.Sprintf("%s %d", k, m[k]))
		}
		if len(kv) == 0 {
			kv = []string{"none"}
		}
		parts = append(parts, proto+": "+strings.Join(kv, ", "))
	}
	return strings.Join(parts, "; ")
}
