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
	// Captures are the capture sockets in promiscuous mode on the
	// interface. Which of them are sniffers (not an allowed process) is for
	// package diagnose to say.
	Captures []sockets.PacketSocket `json:"captures,omitempty"`
}

// masterKinds that make their ports promiscuous by design.
var promiscMasters = []string{"bridge", "openvswitch", "team", "bond"}

// ExplainPromisc accounts for l's promiscuity counter with its PROMISC
// flag, its master (of kind masterKind, "" without one) and the capture
// sockets in promiscuous mode on it.
func ExplainPromisc(l Link, masterKind string, captures []sockets.PacketSocket) Promisc {
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
		p.Captures = append(p.Captures, c)
	}
	if n := int(p.Counter) - len(p.ExplainedBy); n > 0 {
		p.Unexplained = n
	}
	return p
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
