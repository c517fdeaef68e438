package sockets

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netdx/internal/namespace"
)

// Config says which sockets to list; start from DefaultConfig. Each field
// is taken as it is.
type Config struct {
	// NetNS is the path of a network namespace (/run/netns/NAME,
	// /proc/PID/ns/net); empty means the caller's.
	NetNS string
	// Proc is where /proc is mounted (owners are looked up under it);
	// empty means /proc.
	Proc string
	// All lists every state; otherwise only listeners (TCP LISTEN, UDP
	// unconnected).
	All bool
	// Protos are the protocols listed: "tcp", "udp" or both.
	Protos []string
	// Ports keeps sockets whose local or remote port is one of these.
	Ports []uint16
	// PIDs keeps sockets owned by one of these processes (implies Owners).
	PIDs []int
	// States keeps sockets in one of these states (StateName names).
	States []string
	// Owners finds the processes holding the sockets (one /proc/*/fd scan).
	Owners bool
	// TCPInfo asks the kernel for each TCP socket's tcp_info (RTT,
	// retransmits).
	TCPInfo bool
	// Routes adds the routes via gateways; AllowedGateways marks the others
	// as unexpected.
	Routes          bool
	AllowedGateways []netip.Addr
	// Capture adds the packet (AF_PACKET) sockets, owners included in the
	// same /proc scan.
	Capture bool
}

// Socket is one TCP or UDP socket.
type Socket struct {
	Proto     string `json:"proto"`
	Family    string `json:"family"`
	State     string `json:"state"`
	Local     string `json:"local"`
	Remote    string `json:"remote"`
	Interface string `json:"interface,omitempty"` // SO_BINDTODEVICE
	RecvQ     uint32 `json:"recv_q"`
	SendQ     uint32 `json:"send_q"`
	Inode     uint32 `json:"inode"`
	UID       uint32 `json:"uid"`
	User      string `json:"user,omitempty"`
	Owner
	OtherOwners []Owner  `json:"other_owners,omitempty"`
	Cleartext   string   `json:"cleartext,omitempty"`
	Alternative string   `json:"alternative,omitempty"`
	TCPInfo     *TCPInfo `json:"tcp_info,omitempty"`

	LocalAddr  netip.AddrPort `json:"-"`
	RemoteAddr netip.AddrPort `json:"-"`
}

// Table is the answer of List.
type Table struct {
	Sockets []Socket `json:"sockets"`
	// States counts every socket by protocol and state, before filters.
	States map[string]map[string]int `json:"states"`
	// TimeWait counts the TCP sockets in TIME_WAIT (nil when TCP was not
	// listed), with the sysctls that govern them.
	TimeWait *TimeWait  `json:"time_wait,omitempty"`
	Owners   *OwnerScan `json:"owners,omitempty"`
	Routes   []Route    `json:"routes,omitempty"`
	// CaptureSockets are the packet sockets (Config.Capture), from
	// CaptureSource.
	CaptureSockets []PacketSocket `json:"capture_sockets,omitempty"`
	CaptureSource  string         `json:"capture_source,omitempty"`
	// Interrupted is set when the kernel's table changed during the dump.
	Interrupted bool `json:"interrupted,omitempty"`
}

// ErrBadFilter is returned (as a *ConfigError) for a filter List cannot
// apply.
var ErrBadFilter = errors.New("sockets: bad filter")

// List reads the socket table of cfg's namespace over sock_diag.
func List(ctx context.Context, cfg Config) (Table, error) {
	r := tableReader{cfg: cfg, t: &Table{States: map[string]map[string]int{}}}
	if err := cfg.Validate(); err != nil {
		return *r.t, err
	}
	protos := cfg.Protos
	var err error
	if r.keep, err = stateFilter(cfg); err != nil {
		return *r.t, err
	}
	var names *ifNames
	err = namespace.Do(cfg.NetNS, func() error {
		c, err := openDiag()
		if err != nil {
			return err
		}
		defer c.Close()
		if slices.Contains(protos, "tcp") {
			r.timeWait = newTimeWaitCounter(readTimeWaitSysctls())
		}
		for _, proto := range protos {
			if err := r.dumpProto(ctx, c, proto); err != nil {
				return err
			}
		}
		names = openIfNames()
		if cfg.Capture {
			if r.t.CaptureSockets, r.t.CaptureSource, err = readCaptures(); err != nil {
				return err
			}
		}
		if cfg.Routes {
			return r.routes(names)
		}
		return nil
	})
	if names != nil {
		defer names.Close()
	}
	if err != nil {
		return *r.t, err
	}
	t := r.t
	if r.timeWait != nil {
		t.TimeWait = r.timeWait.result()
	}
	users := userNames{}
	nameCaptures(t.CaptureSockets, names, users)
	var owners map[uint32][]Owner
	if cfg.Owners || len(cfg.PIDs) > 0 {
		want := make(map[uint32]struct{}, len(r.raws)+len(t.CaptureSockets))
		for _, s := range r.raws {
			if s.Inode != 0 {
				want[s.Inode] = struct{}{}
			}
		}
		for _, c := range t.CaptureSockets {
			want[c.Inode] = struct{}{}
		}
		var st OwnerScan
		if owners, st, err = FindOwners(cfg.Proc, want); err != nil {
			return *t, err
		}
		t.Owners = &st
		for i := range t.CaptureSockets {
			c := &t.CaptureSockets[i]
			if o := owners[c.Inode]; len(o) > 0 {
				c.Owner, c.Others = o[0], o[1:]
			}
		}
		if len(cfg.PIDs) > 0 {
			t.CaptureSockets = slices.DeleteFunc(t.CaptureSockets, func(c PacketSocket) bool {
				return !slices.Contains(cfg.PIDs, c.PID)
			})
		}
	}
	t.Sockets = make([]Socket, 0, len(r.raws))
	for i, raw := range r.raws {
		s := newSocket(r.protoOf[i], raw, names, users)
		if o := owners[raw.Inode]; len(o) > 0 {
			s.Owner, s.OtherOwners = o[0], o[1:]
		}
		if matches(s, cfg) {
			t.Sockets = append(t.Sockets, s)
		}
	}
	sortSockets(t.Sockets)
	return *t, nil
}

// tableReader gathers the answers of one List call.
type tableReader struct {
	cfg      Config
	keep     [13]bool
	t        *Table
	raws     []rawSocket
	protoOf  []string
	timeWait *timeWaitCounter // TCP only
}

// dumpProto dumps one protocol, IPv4 and IPv6, counting every socket by
// state and keeping those the filters want.
func (r *tableReader) dumpProto(ctx context.Context, c *nlConn, proto string) error {
	counts := map[string]int{}
	r.t.States[proto] = counts
	pnum := uint8(unix.IPPROTO_TCP)
	if proto == "udp" {
		pnum = unix.IPPROTO_UDP
	}
	for _, fam := range []uint8{unix.AF_INET, unix.AF_INET6} {
		if err := ctx.Err(); err != nil {
			return err
		}
		req := inetDiagRequest(fam, pnum, ^uint32(0), r.cfg.TCPInfo && proto == "tcp")
		err := c.dump(sockDiagByFamily, req, func(b []byte) error {
			if len(b) < 2 {
				return ErrTruncated
			}
			st := b[1]
			counts[StateName(proto, st)]++
			return r.add(proto, st, b)
		})
		if errors.Is(err, ErrDumpInterrupted) {
			r.t.Interrupted = true
		} else if err != nil {
			return err
		}
	}
	return nil
}

// add decodes a socket the filters want, and counts TCP sockets in
// TIME_WAIT whether wanted or not.
func (r *tableReader) add(proto string, st uint8, b []byte) error {
	want := wanted(r.cfg, r.keep, proto, st)
	const timeWait = 6
	tw := st == timeWait && proto == "tcp" && r.timeWait != nil
	if !want && !tw {
		return nil
	}
	s, err := parseInetDiag(b)
	if err != nil {
		return err
	}
	if tw {
		r.timeWait.add(s.Local, s.Remote)
	}
	if want {
		r.raws = append(r.raws, s)
		r.protoOf = append(r.protoOf, proto)
	}
	return nil
}

// routes reads the gateway routes with a netlink handle opened in the
// calling thread's namespace.
func (r *tableReader) routes(names *ifNames) error {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("sockets: routes: %w", err)
	}
	defer h.Close()
	rs, err := gatewayRoutes(h, names)
	if err != nil {
		return err
	}
	r.t.Routes = CheckGateways(rs, r.cfg.AllowedGateways)
	return nil
}

func procRoot(p string) string {
	if p == "" {
		return "/proc"
	}
	return p
}

func newSocket(proto string, r rawSocket, names *ifNames, users userNames) Socket {
	s := Socket{
		Proto: proto, Family: "ipv4", State: StateName(proto, r.State),
		Local: r.Local.String(), Remote: r.Remote.String(),
		Interface: names.name(int(r.IfIndex)),
		RecvQ:     r.RecvQ, SendQ: r.SendQ, Inode: r.Inode, UID: r.UID,
		User:    users.name(r.UID),
		TCPInfo: r.Info, LocalAddr: r.Local, RemoteAddr: r.Remote,
	}
	if r.Family == unix.AF_INET6 {
		s.Family = "ipv6"
	}
	if svc, ok := Cleartext(proto, r.Local.Port()); ok && s.State != "SYN_SENT" {
		s.Cleartext, s.Alternative = svc.Name, svc.Alternative
	}
	return s
}
