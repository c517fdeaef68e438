package link

import (
	"fmt"
	"slices"
	"strings"

	"netdx/sockets"
)

// Promisc explains an interface's promiscuity counter. The kernel counts
// every user of promiscuous mode: the PROMISC flag an administrator sets
// ("ip link set promisc on", the only one ifconfig shows), a bridge, bond
// or Open vSwitch that makes its ports promiscuous, and every capture
// socket that asked for it (tcpdump). What no known user explains is a
// sniffer that hides.
type Promisc struct {
	Counter uint32 `json:"counter"`
	Flag    bool   `json:"flag"`
	// ExplainedBy lists the known users, one per count.
	ExplainedBy []string `json:"explained_by,omitempty"`
	// Unexplained is the part of the counter no known user accounts for.
	Unexplained int `json:"unexplained"`
	// Sniffers are the promiscuous capture sockets on the interface whose
	// process is not in the allowed list.
	Sniffers []sockets.PacketSocket `json:"sniffers,omitempty"`
}

// masterKinds that make their ports promiscuous by design.
var promiscMasters = []string{"bridge", "openvswitch", "team", "bond"}

// ExplainPromisc accounts for l's promiscuity counter with its PROMISC
// flag, its master (of kind masterKind, "" without one) and the capture
// sockets in promiscuous mode on it. Capture sockets of the processes in
// allowed (for example a DHCP client) count as known but not as sniffers.
func ExplainPromisc(l Link, masterKind string, captures []sockets.PacketSocket, allowed []string) Promisc {
	p := Promisc{Counter: l.Promiscuity, Flag: l.PromiscFlag}
	if l.PromiscFlag {
		p.ExplainedBy = append(p.ExplainedBy, "PROMISC flag set by an administrator")
	}
	if masterKind != "" && slices.Contains(promiscMasters, masterKind) {
		p.ExplainedBy = append(p.ExplainedBy, fmt.Sprintf("port of %s %s", masterKind, l.Master))
	}
	for _, c := range captures {
		if !c.Promisc || c.PromiscIfIndex != l.Index {
			continue
		}
		who := "capture socket " + fmt.Sprint(c.Inode)
		if c.PID != 0 {
			who = fmt.Sprintf("capture socket of %s[%d]", c.Process, c.PID)
		}
		p.ExplainedBy = append(p.ExplainedBy, who)
		if c.PID == 0 || !slices.Contains(allowed, c.Process) {
			p.Sniffers = append(p.Sniffers, c)
		}
	}
	if n := int(p.Counter) - len(p.ExplainedBy); n > 0 {
		p.Unexplained = n
	}
	return p
}

// Problem is something wrong with an interface, in diagnose's vocabulary
// (kind "interface_down", "interface_errors", "promiscuous", "sniffer").
type Problem struct {
	Kind    string `json:"kind"`
	Summary string `json:"summary"`
}

// Problems lists what an auditor should look at on l. Rates, when present,
// decide whether errors are happening now; otherwise any error ever counted
// is reported.
func Problems(l Link) []Problem {
	var out []Problem
	if l.Up && !l.Carrier && l.Type != "loopback" {
		out = append(out, Problem{"interface_down", fmt.Sprintf("%s is up but has no carrier (oper state %s)", l.Name, l.OperState)})
	}
	s := l.Stats
	errWhat, errN := "since boot", s.RxErrors+s.TxErrors
	dropN := s.RxDropped + s.TxDropped
	if l.Rates != nil && !l.Rates.Reset {
		errWhat = fmt.Sprintf("in the last %.1f s", l.Rates.IntervalMS/1000)
		errN = l.Rates.Delta.RxErrors + l.Rates.Delta.TxErrors
		dropN = l.Rates.Delta.RxDropped + l.Rates.Delta.TxDropped
		s = l.Rates.Delta
	}
	if errN > 0 {
		out = append(out, Problem{"interface_errors", fmt.Sprintf("%s: %d rx / %d tx errors %s%s", l.Name, s.RxErrors, s.TxErrors, errWhat,
			NonZero([]string{"crc", "frame", "fifo", "missed", "over", "length", "tx carrier", "tx aborted", "collisions", "tx fifo", "tx window", "tx heartbeat"},
				s.RxCRCErrors, s.RxFrameErrors, s.RxFIFOErrors, s.RxMissedErrors, s.RxOverErrors, s.RxLengthErrors,
				s.TxCarrierErrors, s.TxAbortedErrors, s.Collisions, s.TxFIFOErrors, s.TxWindowErrors, s.TxHeartbeatErrors))})
	}
	// Some drops are normal (frames for protocols nobody listens to):
	// since boot only a drop ratio of 1 % or more is worth a look.
	if dropN > 0 && (l.Rates != nil || ratio(dropN, s.RxPackets+s.TxPackets+dropN) >= 0.01) {
		out = append(out, Problem{"interface_errors", fmt.Sprintf("%s: %d rx / %d tx dropped %s", l.Name, s.RxDropped, s.TxDropped, errWhat)})
	}
	if l.Promisc.Flag {
		out = append(out, Problem{"promiscuous", fmt.Sprintf("%s has the PROMISC flag set", l.Name)})
	}
	if l.Promisc.Unexplained > 0 {
		out = append(out, Problem{"promiscuous", fmt.Sprintf("%s: promiscuity %d, %d not explained by the flag, a bridge/bond or a capture socket: a hidden sniffer or a capture in another namespace", l.Name, l.Promisc.Counter, l.Promisc.Unexplained)})
	}
	for _, c := range l.Promisc.Sniffers {
		who := fmt.Sprintf("socket inode %d (owner not visible)", c.Inode)
		if c.PID != 0 {
			who = fmt.Sprintf("%s[%d] (user %s)", c.Process, c.PID, c.User)
		}
		out = append(out, Problem{"sniffer", fmt.Sprintf("%s captures %s in promiscuous mode", who, l.Name)})
	}
	return out
}

// NonZero lists the non-zero counters among values, named by names, as
// " (crc 3, frame 1)"; "" when all are zero.
func NonZero(names []string, values ...uint64) string {
	var parts []string
	for i, v := range values {
		if v != 0 {
			parts = append(parts, fmt.Sprintf("%s %d", names[i], v))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
