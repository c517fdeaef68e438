package sockets

import (
	"cmp"
	"fmt"
	"os/user"
	"slices"
	"strconv"
	"strings"
)

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
