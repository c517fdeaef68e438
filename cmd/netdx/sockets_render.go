package main

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

// renderSockets prints the table like ss, then diagnose's findings as "!"
// lines; the rows, capture sockets and routes a finding is about are
// marked next to them.
func renderSockets(w io.Writer, rep diagnose.SocketsReport, cfg sockets.Config) {
	bw := bufio.NewWriterSize(w, 64<<10)
	defer bw.Flush()
	t := rep.Table
	x := indexFindings(rep.Findings)
	owners := t.Owners != nil
	head := []string{"Proto", "State", "Local", "Remote", "Recv-Q", "Send-Q", "User"}
	if owners {
		head = append(head, "Process")
	}
	if cfg.TCPInfo {
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
		if cfg.TCPInfo {
			if s.TCPInfo != nil {
				row = append(row, strconv.FormatFloat(s.TCPInfo.RTTMS, 'f', 3, 64), strconv.FormatUint(uint64(s.TCPInfo.TotalRetrans), 10))
			} else {
				row = append(row, "-", "-")
			}
		}
		note := ""
		if s.Cleartext != "" {
			if f, ok := x.bySocket[socketKey(s.Proto, s.Local)]; ok {
				note = mark(f, "cleartext "+s.Cleartext, "use "+s.Alternative)
			}
		}
		if f, ok := x.byPID[s.PID]; ok && s.PID != 0 {
			note = strings.TrimSpace(note + "  " + mark(f, "deleted executable", s.Exe))
		}
		tab.add(append(row, note)...)
	}
	tab.write(bw)
	fmt.Fprintf(bw, "\n%d socket(s) shown. All sockets by state: %s\n", len(t.Sockets), stateCounts(t.States))
	if t.Interrupted {
		fmt.Fprintln(bw, "note: the socket table changed during the dump; counts may be off by a few")
	}
	if cfg.Capture {
		fmt.Fprintf(bw, "\nCapture sockets (%d, from %s):\n", len(t.CaptureSockets), t.CaptureSource)
		ct := newTable(len(t.CaptureSockets)+1, "PID", "Process", "User", "Interface", "Type", "Protocol", "Promisc", "")
		for _, c := range t.CaptureSockets {
			ifc, promisc, pid, note := c.Interface, "off", "-", ""
			if c.IfIndex == 0 {
				ifc = "(all)"
			}
			if !c.PromiscKnown {
				promisc = "unknown"
			} else if c.Promisc {
				promisc = "on"
			}
			if f, ok := x.byInode[c.Inode]; ok {
				note = mark(f, "sniffer", "")
			}
			if c.PID != 0 {
				pid = strconv.Itoa(c.PID)
			}
			ct.add(pid, c.Process, c.User, ifc, c.Type, c.Protocol, promisc, note)
		}
		ct.write(bw)
	}
	if len(t.Routes) > 0 || cfg.Routes {
		fmt.Fprintln(bw, "\nRoutes via gateways:")
		rt := newTable(len(t.Routes)+1, "Destination", "Gateway", "Interface", "Metric", "Table", "")
		for _, r := range t.Routes {
			note := ""
			if f, ok := x.byRoute[r.Dst+" "+r.Gateway]; ok {
				note = mark(f, "unexpected gateway", "")
			}
			rt.add(r.Dst, r.Gateway, r.Interface, strconv.Itoa(r.Metric), strconv.Itoa(r.Table), note)
		}
		rt.write(bw)
		if len(t.Routes) == 0 {
			fmt.Fprintln(bw, "(none: no default gateway)")
		}
	}
	if len(rep.Findings) > 0 {
		fmt.Fprintln(bw)
	}
	for _, f := range rep.Findings {
		writeFinding(bw, "", f)
	}
}

// table lays out rows in columns two spaces apart; the last column is not
// padded. It is a tabwriter for tens of thousands of rows.
type table struct {
	rows  [][]string
	width []int
}

func newTable(capacity int, head ...string) *table {
	t := &table{rows: make([][]string, 0, capacity), width: make([]int, len(head))}
	t.add(head...)
	return t
}

func (t *table) add(cells ...string) {
	for i, c := range cells {
		if i < len(t.width) && len(c) > t.width[i] {
			t.width[i] = len(c)
		}
	}
	t.rows = append(t.rows, cells)
}

func (t *table) write(w *bufio.Writer) {
	for _, row := range t.rows {
		last := len(row) - 1
		for last > 0 && row[last] == "" {
			last--
		}
		for i, c := range row[:last+1] {
			w.WriteString(c)
			if i < last {
				for n := t.width[i] - len(c) + 2; n > 0; n-- {
					w.WriteByte(' ')
				}
			}
		}
		w.WriteByte('\n')
	}
}

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
