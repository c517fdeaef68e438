package diagnose

import (
	"fmt"
	"time"

	"netdx/link"
	"netdx/sockets"
)

// LinkEvidence is what the link check saw of a namespace: its interfaces
// and TCP/IP counters (package link), with the sockets that speak to them
// (package sockets): the capture sockets, which explain or fail to explain
// each promiscuity counter, and the TCP connections with the most
// retransmits. It is the document "netdx link --json" prints, findings
// aside. NewLinkEvidence puts it together.
type LinkEvidence struct {
	Time  time.Time   `json:"time"`
	Links []Interface `json:"links"`
	TCP   link.TCP    `json:"tcp"`
	ICMP  link.ICMP   `json:"icmp"`
	// Worst are the TCP connections with the most retransmits.
	Worst []sockets.Socket `json:"worst_connections,omitempty"`
	// CaptureSockets are every capture (AF_PACKET) socket of the
	// namespace, read from CaptureSource.
	CaptureSockets []sockets.PacketSocket `json:"capture_sockets"`
	CaptureSource  string                 `json:"capture_source,omitempty"`
	// Owners says how complete the one /proc scan that found the owners of
	// the capture sockets and of the worst connections was.
	Owners *sockets.OwnerScan `json:"owners,omitempty"`
	// Interrupted is set when the interface table changed during the dump.
	Interrupted bool `json:"interrupted,omitempty"`
}

// Interface is an interface with its promiscuity counter explained.
type Interface struct {
	link.Link
	Promisc Promisc `json:"promisc"`
}

// Promisc is an interface's promiscuity counter explained (link.Promisc),
// with the capture sockets in promiscuous mode on it. Which of them are
// sniffers (not an allowed process) is for Host to say.
type Promisc struct {
	link.Promisc
	Captures []sockets.PacketSocket `json:"captures,omitempty"`
}

// NewLinkEvidence puts a snapshot of the interfaces together with the
// capture sockets (caps, their owners found) and the TCP connections with
// the most retransmits (worst): each interface's promiscuity counter is
// explained by its flag, its master and the capture sockets that asked for
// promiscuous mode on it.
func NewLinkEvidence(snap link.Snapshot, caps sockets.Captures, worst []sockets.Socket) LinkEvidence {
	ev := LinkEvidence{Time: snap.Time, TCP: snap.TCP, ICMP: snap.ICMP, Worst: worst,
		CaptureSockets: caps.Sockets, CaptureSource: caps.Source, Owners: caps.Owners, Interrupted: snap.Interrupted}
	if ev.CaptureSockets == nil {
		ev.CaptureSockets = []sockets.PacketSocket{}
	}
	if snap.Links != nil {
		ev.Links = make([]Interface, 0, len(snap.Links))
	}
	for _, l := range snap.Links {
		var on []sockets.PacketSocket
		var names []string
		for _, c := range caps.Sockets {
			if c.Promisc && c.PromiscIfIndex == l.Index {
				on = append(on, c)
				names = append(names, captureName(c))
			}
		}
		p := link.ExplainPromisc(l, names)
		ev.Links = append(ev.Links, Interface{Link: l, Promisc: Promisc{Promisc: p, Captures: on}})
	}
	return ev
}

// captureName names a capture socket as a user of promiscuous mode.
func captureName(c sockets.PacketSocket) string {
	if c.PID != 0 {
		return fmt.Sprintf("capture socket of %s[%d]", c.Process, c.PID)
	}
	return fmt.Sprintf("capture socket %d", c.Inode)
}
