package sockets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/sys/unix"

	"netdx/internal/namespace"
)

// CaptureConfig says where to look for capture sockets. The zero value
// looks in the caller's namespace and finds owners under /proc.
type CaptureConfig struct {
	NetNS string // as in Config
	Proc  string // as in Config
	// NoOwners skips the /proc/*/fd scan.
	NoOwners bool
}

// Captures is the answer of Capture.
type Captures struct {
	Sockets []PacketSocket `json:"sockets"`
	// Source is "packet_diag", or "/proc/net/packet" when the kernel has
	// no packet_diag (then promiscuous mode is unknown).
	Source string     `json:"source"`
	Owners *OwnerScan `json:"owners,omitempty"`
}

// Capture lists every AF_PACKET socket of the namespace: who captures
// frames, on which interface, and whether in promiscuous mode.
func Capture(ctx context.Context, cfg CaptureConfig) (Captures, error) {
	var out Captures
	var names *ifNames
	err := namespace.Do(cfg.NetNS, func() error {
		names = openIfNames()
		var err error
		out.Sockets, out.Source, err = readCaptures()
		return err
	})
	if names != nil {
		defer names.Close()
	}
	if err != nil {
		return out, err
	}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	nameCaptures(out.Sockets, names, userNames{})
	if !cfg.NoOwners && len(out.Sockets) > 0 {
		want := map[uint32]struct{}{}
		for _, s := range out.Sockets {
			want[s.Inode] = struct{}{}
		}
		owners, st, err := FindOwners(cfg.Proc, want)
		if err != nil {
			return out, err
		}
		for i := range out.Sockets {
			s := &out.Sockets[i]
			if o := owners[s.Inode]; len(o) > 0 {
				s.Owner, s.Others = o[0], o[1:]
			}
		}
		out.Owners = &st
	}
	sort.SliceStable(out.Sockets, func(i, j int) bool { return out.Sockets[i].Inode < out.Sockets[j].Inode })
	return out, nil
}

// readCaptures lists the packet sockets of the calling thread's namespace,
// from packet_diag or, without it, /proc/net/packet.
func readCaptures() ([]PacketSocket, string, error) {
	socks, err := packetDiag()
	if err == nil {
		return socks, "packet_diag", nil
	}
	if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EOPNOTSUPP) {
		return nil, "", err
	}
	// No packet_diag module: the thread's own /proc view of its namespace
	// still lists the sockets.
	b, rerr := os.ReadFile(procNetFile("packet"))
	if rerr != nil {
		return nil, "", fmt.Errorf("sockets: packet_diag: %w; /proc/net/packet: %w", err, rerr)
	}
	socks, err = ParseProcPacket(b)
	return socks, "/proc/net/packet", err
}

// nameCaptures fills in interface and user names.
func nameCaptures(socks []PacketSocket, names *ifNames, users userNames) {
	for i := range socks {
		s := &socks[i]
		s.Interface = names.name(s.IfIndex)
		s.User = users.name(s.UID)
	}
}

func packetDiag() ([]PacketSocket, error) {
	c, err := openDiag()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var out []PacketSocket
	err = c.dump(sockDiagByFamily, packetDiagRequest(), func(b []byte) error {
		p, err := parsePacketDiag(b)
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	if errors.Is(err, ErrDumpInterrupted) {
		err = nil // packet sockets are few; a changed table is still a fair picture
	}
	return out, err
}

// procNetFile is the path of a /proc/net file as seen by the calling
// thread (its network namespace).
func procNetFile(name string) string { return filepath.Join("/proc/thread-self/net", name) }
