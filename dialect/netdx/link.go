package netdx

import (
	"fmt"
	"io"
	"strings"

	"netdx/diagnose"
	"netdx/link"
	"netdx/sockets"
)

// Link writes netdx link's report like "ip -s link", one block per
// interface, with diagnose's findings marked "!" under what they are
// about, then TCP, ICMP and the capture sockets.
func Link(w io.Writer, rep diagnose.LinkReport) {
	s := rep.LinkEvidence
	done := make(shown, len(rep.Findings))
	for _, l := range s.Links {
		linkBlock(w, l)
		done.write(w, "  ", rep.Findings, func(f diagnose.Finding) bool { return f.Interface == l.Name })
	}
	tcpLines(w, s.TCP)
	done.write(w, "  ", rep.Findings, func(f diagnose.Finding) bool { return f.Kind == diagnose.KindRetransmits })
	i := s.ICMP
	fmt.Fprintf(w, "ICMP: in %d (errors %d), out %d (errors %d); ICMPv6: in %d (errors %d), out %d (errors %d)\n",
		i.InMsgs, i.InErrors, i.OutMsgs, i.OutErrors, i.In6Msgs, i.In6Errors, i.Out6Msgs, i.Out6Errors)
	worstConnections(w, s.Worst)
	captureSockets(w, s)
	done.write(w, "", rep.Findings, func(diagnose.Finding) bool { return true })
}

// linkBlock writes one interface: its state, flags, counters, rates and
// promiscuity.
func linkBlock(w io.Writer, l diagnose.Interface) {
	state := "DOWN"
	switch {
	case l.Up && !l.Carrier:
		state = "UP NO-CARRIER"
	case l.Up:
		state = "UP"
	}
	fmt.Fprintf(w, "%d: %s  %s  mtu %d  %s (oper %s, %d carrier changes)", l.Index, l.Name, l.Type, l.MTU, state, l.OperState, l.CarrierChanges)
	if l.Master != "" {
		fmt.Fprintf(w, "  master %s", l.Master)
	}
	fmt.Fprintf(w, "\n    flags %s\n", strings.Join(l.Flags, ","))
	st := l.Stats
	fmt.Fprintf(w, "    RX %s packets %s  errors %d%s  dropped %d\n", human(st.RxPackets, ""), human(st.RxBytes, "B"), st.RxErrors,
		link.NonZero([]string{"crc", "frame", "fifo", "missed", "over", "length", "nohandler", "otherhost dropped"},
			st.RxCRCErrors, st.RxFrameErrors, st.RxFIFOErrors, st.RxMissedErrors, st.RxOverErrors, st.RxLengthErrors, st.RxNoHandler, st.RxOtherhostDropped), st.RxDropped)
	fmt.Fprintf(w, "    TX %s packets %s  errors %d%s  dropped %d\n", human(st.TxPackets, ""), human(st.TxBytes, "B"), st.TxErrors,
		link.NonZero([]string{"carrier", "collisions", "aborted", "fifo", "window", "heartbeat"},
			st.TxCarrierErrors, st.Collisions, st.TxAbortedErrors, st.TxFIFOErrors, st.TxWindowErrors, st.TxHeartbeatErrors), st.TxDropped)
	if r := l.Rates; r != nil {
		if r.Reset {
			fmt.Fprintln(w, "    rates: counters were reset during the interval")
		} else {
			fmt.Fprintf(w, "    rates over %.1f s: RX %.0f pkt/s %s/s err %.2f%% drop %.2f%%  TX %.0f pkt/s %s/s err %.2f%% drop %.2f%%\n",
				r.IntervalMS/1000, r.RxPPS, human(uint64(r.RxBPS), "B"), 100*r.RxErrorRatio, 100*r.RxDropRatio,
				r.TxPPS, human(uint64(r.TxBPS), "B"), 100*r.TxErrorRatio, 100*r.TxDropRatio)
		}
	}
	if p := l.Promisc; p.Counter > 0 || p.Flag {
		fmt.Fprintf(w, "    promiscuity %d (PROMISC flag %v): %s", p.Counter, onOff(p.Flag), strings.Join(p.ExplainedBy, "; "))
		if p.Unexplained > 0 {
			fmt.Fprintf(w, "; %d unexplained", p.Unexplained)
		}
		fmt.Fprintln(w)
	}
}

// tcpLines writes the TCP counters since boot, and over the interval.
func tcpLines(w io.Writer, t link.TCP) {
	fmt.Fprintf(w, "\nTCP: %d segments out, %d retransmitted (%.2f%%), syn retrans %d, timeouts %d, lost retransmits %d, %d established\n",
		t.OutSegs, t.RetransSegs, 100*t.RetransRatio, t.SynRetrans, t.Timeouts, t.LostRetransmit, t.CurrEstab)
	if iv := t.Interval; iv != nil && !iv.Reset {
		fmt.Fprintf(w, "     over the interval: %d out, %d retransmitted (%.2f%%), syn retrans %d, timeouts %d\n",
			iv.OutSegs, iv.RetransSegs, 100*iv.RetransRatio, iv.SynRetrans, iv.Timeouts)
	}
}

// worstConnections writes the connections with the most retransmits.
func worstConnections(w io.Writer, worst []sockets.Socket) {
	if len(worst) == 0 {
		return
	}
	fmt.Fprintln(w, "\nTCP connections with the most retransmits:")
	tab := newTable(len(worst)+1, "Local", "Remote", "State", "Retrans", "Ratio", "RTT ms", "Process")
	for _, c := range worst {
		tab.add(c.Local, c.Remote, c.State, fmt.Sprint(c.TCPInfo.TotalRetrans), fmt.Sprintf("%.2f%%", 100*c.TCPInfo.RetransRatio()),
			fmt.Sprintf("%.3f", c.TCPInfo.RTTMS), ownerText(c.Owner, c.OtherOwners))
	}
	writeTable(w, tab)
}

// captureSockets writes the capture sockets the link check read.
func captureSockets(w io.Writer, s diagnose.LinkEvidence) {
	fmt.Fprintf(w, "\nCapture sockets (%d", len(s.CaptureSockets))
	if s.CaptureSource != "" {
		fmt.Fprintf(w, ", from %s", s.CaptureSource)
	}
	fmt.Fprintln(w, "):")
	if len(s.CaptureSockets) > 0 {
		tab := newTable(len(s.CaptureSockets)+1, "PID", "Process", "User", "Interface", "Type", "Protocol", "Promisc")
		for _, c := range s.CaptureSockets {
			tab.add(captureRow(c)...)
		}
		writeTable(w, tab)
	}
	if s.Owners != nil && s.Owners.Unowned > 0 {
		fmt.Fprintf(w, "  (%d capture socket owner(s) not visible: %d processes unreadable; run as root)\n", s.Owners.Unowned, s.Owners.Unreadable)
	}
}

// captureRow is a capture socket's cells: PID, process, user, interface,
// type, protocol and promiscuity.
func captureRow(c sockets.PacketSocket) []string {
	ifc, promisc, pid := c.Interface, onOff(c.Promisc), "-"
	if c.IfIndex == 0 {
		ifc = "(all)"
	}
	if !c.PromiscKnown {
		promisc = "unknown"
	}
	if c.PID != 0 {
		pid = fmt.Sprint(c.PID)
	}
	return []string{pid, c.Process, c.User, ifc, c.Type, c.Protocol, promisc}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// human prints n with a k/M/G suffix.
func human(n uint64, unit string) string {
	f := float64(n)
	for _, p := range []string{"", "k", "M", "G", "T"} {
		if f < 1000 || p == "T" {
			if p == "" {
				return fmt.Sprintf("%d%s", n, unit)
			}
			return fmt.Sprintf("%.1f%s%s", f, p, unit)
		}
		f /= 1000
	}
	return fmt.Sprint(n)
}
