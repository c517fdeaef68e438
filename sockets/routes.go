package sockets

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Route is a route through a gateway: the routes that decide where traffic
// leaves the host, and so the ones an attacker changes.
type Route struct {
	Family    string `json:"family"`
	Dst       string `json:"dst"` // "default" or a prefix
	Default   bool   `json:"default"`
	Gateway   string `json:"gateway"`
	Interface string `json:"interface,omitempty"`
	Metric    int    `json:"metric"`
	Table     int    `json:"table"`
	// Unexpected is set by CheckGateways for a gateway not in the allowed
	// list.
	Unexpected bool `json:"unexpected,omitempty"`
}

// CheckGateways marks every route whose gateway is not in allowed. An empty
// allowed list marks nothing: there is nothing to compare against.
func CheckGateways(routes []Route, allowed []netip.Addr) []Route {
	if len(allowed) == 0 {
		return routes
	}
	out := make([]Route, len(routes))
	for i, r := range routes {
		gw, err := netip.ParseAddr(r.Gateway)
		r.Unexpected = true
		for _, a := range allowed {
			if err == nil && gw.Unmap() == a.Unmap() {
				r.Unexpected = false
			}
		}
		out[i] = r
	}
	return out
}

// routeHandle is the part of *netlink.Handle the routes come from.
type routeHandle interface {
	RouteListFiltered(family int, filter *netlink.Route, mask uint64) ([]netlink.Route, error)
}

var _ routeHandle = (*netlink.Handle)(nil)

// gatewayRoutes lists the routes via a gateway in every routing table, one
// entry per next hop. Interface names come from names (index to name).
func gatewayRoutes(h routeHandle, names *ifNames) ([]Route, error) {
	var nl []netlink.Route
	var err error
	for range 3 { // a dump interrupted by a change is taken again
		nl, err = h.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("sockets: routes: %w", err)
	}
	return fromNetlinkRoutes(nl, names), nil
}

// fromNetlinkRoutes keeps the routes (and multipath next hops) that have a
// gateway.
func fromNetlinkRoutes(nl []netlink.Route, names *ifNames) []Route {
	var out []Route
	for _, r := range nl {
		base := Route{Family: "ipv4", Dst: "default", Default: true, Metric: r.Priority, Table: r.Table}
		if r.Family == unix.AF_INET6 {
			base.Family = "ipv6"
		}
		if r.Dst != nil {
			if ones, _ := r.Dst.Mask.Size(); ones != 0 || !r.Dst.IP.IsUnspecified() {
				base.Dst, base.Default = r.Dst.String(), false
			}
		}
		add := func(gw net.IP, via netlink.Destination, link int) {
			g := ipString(gw)
			if g == "" && via != nil {
				if v, ok := via.(*netlink.Via); ok {
					g = ipString(v.Addr)
				}
			}
			if g == "" {
				return
			}
			rt := base
			rt.Gateway, rt.Interface = g, names.name(link)
			out = append(out, rt)
		}
		add(r.Gw, r.Via, r.LinkIndex)
		for _, nh := range r.MultiPath {
			add(nh.Gw, nh.Via, nh.LinkIndex)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Default != out[j].Default {
			return out[i].Default
		}
		return out[i].Metric < out[j].Metric
	})
	return out
}

func ipString(ip net.IP) string {
	if len(ip) == 0 || ip.IsUnspecified() {
		return ""
	}
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return ""
	}
	return a.Unmap().String()
}
