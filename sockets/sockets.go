package sockets

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/user"
	"slices"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Config says which sockets to list. The zero value lists the TCP and UDP
// listeners of the current network namespace, without owners.
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
	// Proto is "tcp", "udp" or empty for both.
	Proto string
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
	// TimeWaitPileup is the TIME_WAIT count from which a pile-up is named;
	// 0 means 1000.
	TimeWaitPileup int
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

// Pileup is a state holding many sockets, with the remote end that holds
// most of them.
type Pileup struct {
	Proto       string `json:"proto"`
	State       string `json:"state"`
	Count       int    `json:"count"`
	TopRemote   string `json:"top_remote,omitempty"`
	RemoteCount int    `json:"top_remote_count,omitempty"`
}

// Table is the answer of List.
type Table struct {
	Sockets []Socket `json:"sockets"`
	// States counts every socket by protocol and state, before filters.
	States  map[string]map[string]int `json:"states"`
	Pileups []Pileup                  `json:"pileups,omitempty"`
	Owners  *OwnerScan                `json:"owners,omitempty"`
	Routes  []Route                   `json:"routes,omitempty"`
	// Interrupted is set when the kernel's table changed during the dump.
	Interrupted bool `json:"interrupted,omitempty"`
}

// ErrBadFilter is returned for a filter List cannot apply.
var ErrBadFilter = errors.New("sockets: bad filter")

// List reads the socket table of cfg's namespace over sock_diag.
func List(ctx context.Context, cfg Config) (Table, error) {
	t := Table{States: map[string]map[string]int{}}
	protos := []string{"tcp", "udp"}
	switch cfg.Proto {
	case "":
	case "tcp", "udp":
		protos = []string{cfg.Proto}
	default:
		return t, fmt.Errorf("%w: protocol %q (tcp or udp)", ErrBadFilter, cfg.Proto)
	}
	keep, err := stateFilter(cfg)
	if err != nil {
		return t, err
	}
	var raws []rawSocket
	var protoOf []string
	var names *ifNames
	tw := map[string]map[string]int{}
	err = inNetNS(cfg.NetNS, func() error {
		c, err := openDiag()
		if err != nil {
			return err
		}
		defer c.Close()
		for _, proto := range protos {
			counts := map[string]int{}
			t.States[proto] = counts
			pnum := uint8(unix.IPPROTO_TCP)
			if proto == "udp" {
				pnum = unix.IPPROTO_UDP
			}
			for _, fam := range []uint8{unix.AF_INET, unix.AF_INET6} {
				if err := ctx.Err(); err != nil {
					return err
				}
				req := inetDiagRequest(fam, pnum, ^uint32(0), cfg.TCPInfo && proto == "tcp")
				err := c.dump(sockDiagByFamily, req, func(b []byte) error {
					if len(b) < 2 {
						return ErrTruncated
					}
					st := b[1]
					counts[StateName(proto, st)]++
					if !wanted(cfg, keep, proto, st) && st != 6 {
						return nil
					}
					r, err := parseInetDiag(b)
					if err != nil {
						return err
					}
					if st == 6 { // TIME_WAIT: count the remote ends
						m := tw[proto]
						if m == nil {
							m = map[string]int{}
							tw[proto] = m
						}
						m[r.Remote.Addr().String()]++
						if !wanted(cfg, keep, proto, st) {
							return nil
						}
					}
					raws = append(raws, r)
					protoOf = append(protoOf, proto)
					return nil
				})
				if errors.Is(err, ErrDumpInterrupted) {
					t.Interrupted = true
				} else if err != nil {
					return err
				}
			}
		}
		names = openIfNames()
		if cfg.Routes {
			h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
			if err != nil {
				return fmt.Errorf("sockets: routes: %w", err)
			}
			defer h.Close()
			rs, err := gatewayRoutes(h, names)
			if err != nil {
				return err
			}
			t.Routes = CheckGateways(rs, cfg.AllowedGateways)
		}
		return nil
	})
	if names != nil {
		defer names.Close()
	}
	if err != nil {
		return t, err
	}
	t.Pileups = pileups(t.States, tw, cfg.TimeWaitPileup)

	var owners map[uint32][]Owner
	if cfg.Owners || len(cfg.PIDs) > 0 {
		want := make(map[uint32]struct{}, len(raws))
		for _, r := range raws {
			if r.Inode != 0 {
				want[r.Inode] = struct{}{}
			}
		}
		var st OwnerScan
		owners, st, err = FindOwners(cfg.Proc, want)
		if err != nil {
			return t, err
		}
		t.Owners = &st
	}
	users := userNames{}
	t.Sockets = make([]Socket, 0, len(raws))
	for i, r := range raws {
		s := newSocket(protoOf[i], r, names, users)
		if o := owners[r.Inode]; len(o) > 0 {
			s.Owner, s.OtherOwners = o[0], o[1:]
		}
		if matches(s, cfg) {
			t.Sockets = append(t.Sockets, s)
		}
	}
	sortSockets(t.Sockets)
	return t, nil
}

func procRoot(p string) string {
	if p == "" {
		return "/proc"
	}
	return p
}

// stateFilter returns the kernel states to keep.
func stateFilter(cfg Config) ([13]bool, error) {
	var keep [13]bool
	switch {
	case len(cfg.States) > 0:
		for _, name := range cfg.States {
			n, ok := stateNumber(name)
			if !ok {
				return keep, fmt.Errorf("%w: state %q (LISTEN, ESTABLISHED, TIME_WAIT, UNCONN, …)", ErrBadFilter, name)
			}
			keep[n] = true
		}
	case cfg.All:
		for i := range keep {
			keep[i] = true
		}
	default:
		keep[10] = true // LISTEN
		keep[7] = true  // UDP unconnected; for TCP, see wanted
	}
	return keep, nil
}

// wanted applies the state filter; by default a TCP socket in CLOSE (bound
// but not listening) is no listener, while an unconnected UDP socket is.
func wanted(cfg Config, keep [13]bool, proto string, st uint8) bool {
	if int(st) >= len(keep) || !keep[st] {
		return false
	}
	return !(st == 7 && proto == "tcp" && !cfg.All && len(cfg.States) == 0)
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

func matches(s Socket, cfg Config) bool {
	if len(cfg.Ports) > 0 && !slices.Contains(cfg.Ports, s.LocalAddr.Port()) && !slices.Contains(cfg.Ports, s.RemoteAddr.Port()) {
		return false
	}
	if len(cfg.PIDs) > 0 {
		ok := slices.Contains(cfg.PIDs, s.PID)
		for _, o := range s.OtherOwners {
			ok = ok || slices.Contains(cfg.PIDs, o.PID)
		}
		if !ok {
			return false
		}
	}
	return true
}

// sortSockets orders by protocol, local port, local address and remote
// end. It sorts indexes, not the (large) structs, then moves each once.
func sortSockets(ss []Socket) {
	idx := make([]int, len(ss))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		a, b := &ss[i], &ss[j]
		if a.Proto != b.Proto {
			return strings.Compare(a.Proto, b.Proto)
		}
		if c := cmp.Compare(a.LocalAddr.Port(), b.LocalAddr.Port()); c != 0 {
			return c
		}
		if c := a.LocalAddr.Addr().Compare(b.LocalAddr.Addr()); c != 0 {
			return c
		}
		return a.RemoteAddr.Compare(b.RemoteAddr)
	})
	sorted := make([]Socket, len(ss))
	for k, i := range idx {
		sorted[k] = ss[i]
	}
	copy(ss, sorted)
}

// pileups names the TIME_WAIT piles of at least limit sockets.
func pileups(states map[string]map[string]int, remotes map[string]map[string]int, limit int) []Pileup {
	if limit <= 0 {
		limit = 1000
	}
	var out []Pileup
	for _, proto := range []string{"tcp", "udp"} {
		n := states[proto]["TIME_WAIT"]
		if n < limit {
			continue
		}
		p := Pileup{Proto: proto, State: "TIME_WAIT", Count: n}
		for addr, c := range remotes[proto] {
			if c > p.RemoteCount || (c == p.RemoteCount && addr < p.TopRemote) {
				p.TopRemote, p.RemoteCount = addr, c
			}
		}
		out = append(out, p)
	}
	return out
}

// userNames caches uid to user name lookups.
type userNames map[uint32]string

func (u userNames) name(uid uint32) string {
	if n, ok := u[uid]; ok {
		return n
	}
	n := strconv.FormatUint(uint64(uid), 10)
	if usr, err := user.LookupId(n); err == nil {
		n = usr.Username
	}
	u[uid] = n
	return n
}
