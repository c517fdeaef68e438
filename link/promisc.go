package link

import (
	"fmt"
	"slices"
	"strings"
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
}

// masterKinds that make their ports promiscuous by design.
var promiscMasters = []string{"bridge", "openvswitch", "team", "bond"}

// ExplainPromisc accounts for l's promiscuity counter with its PROMISC
// flag, its master (a bridge, bond, team or Open vSwitch makes its ports
// promiscuous) and others: the users of promiscuous mode on l that only
// the caller sees (the capture sockets that asked for it), one name each.
func ExplainPromisc(l Link, others []string) Promisc {
	p := Promisc{Counter: l.Promiscuity, Flag: l.PromiscFlag}
	if l.PromiscFlag {
		p.ExplainedBy = append(p.ExplainedBy, "PROMISC flag set by an administrator")
	}
	if l.MasterKind != "" && slices.Contains(promiscMasters, l.MasterKind) {
		p.ExplainedBy = append(p.ExplainedBy, fmt.Sprintf("port of %s %s", l.MasterKind, l.Master))
	}
	p.ExplainedBy = append(p.ExplainedBy, others...)
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
