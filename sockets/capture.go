package sockets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/sys/unix"
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
	err := inNetNS(cfg.NetNS, func() error {
		names = openIfNames()
		socks, err := packetDiag()
		if err == nil {
			out.Sockets, out.Source = socks, "packet_diag"
			return nil
		}
		if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EOPNOTSUPP) {
			return err
		}
		// No packet_diag module: the thread's own /proc view of its
		// namespace still lists the sockets.
		b, rerr := os.ReadFile(procNetFile("packet"))
		if rerr != nil {
			return fmt.Errorf("sockets: packet_diag: %w; /proc/net/packet: %w", err, rerr)
		}
		out.Sockets, err = ParseProcPacket(b)
		out.Source = "/proc/net/packet"
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
	users := userNames{}
	for i := range out.Sockets {
		s := &out.Sockets[i]
		s.Interface = names.name(s.IfIndex)
		s.User = users.name(s.UID)
	}
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
