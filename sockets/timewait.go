package sockets

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"strconv"
)

// TimeWait describes the namespace's TCP sockets in TIME_WAIT, counted
// whatever the filters, and the sysctls that govern them. Whether they pile
// up is for package diagnose to say.
type TimeWait struct {
	Count int `json:"count"`
	// TopRemote is the remote address holding most of them.
	TopRemote      string `json:"top_remote,omitempty"`
	TopRemoteCount int    `json:"top_remote_count,omitempty"`
	// Outgoing counts those whose local port is in the ephemeral range
	// (connections this host opened and closed first): each holds a local
	// port until it expires.
	Outgoing int `json:"outgoing"`
	// TopEndpoint is the remote address and port holding most outgoing
	// ones: a new connection to it can only use the local ports left.
	TopEndpoint      string `json:"top_endpoint,omitempty"`
	TopEndpointCount int    `json:"top_endpoint_count,omitempty"`
	// Sysctls are the namespace's own, read inside it; nil when they
	// could not be read.
	Sysctls *TimeWaitSysctls `json:"sysctls,omitempty"`
}

// TimeWaitSysctls are the settings that govern TIME_WAIT sockets.
type TimeWaitSysctls struct {
	// MaxBuckets is net.ipv4.tcp_max_tw_buckets: beyond it the kernel
	// destroys new TIME_WAIT sockets at once ("time wait bucket table
	// overflow").
	MaxBuckets int `json:"tcp_max_tw_buckets"`
	// Reuse is net.ipv4.tcp_tw_reuse: 0 off, 1 on, 2 for loopback only
	// (the default): whether a new outgoing connection may take the port
	// of a TIME_WAIT socket.
	Reuse int `json:"tcp_tw_reuse"`
	// PortLow and PortHigh are net.ipv4.ip_local_port_range.
	PortLow  int `json:"port_low"`
	PortHigh int `json:"port_high"`
}

// Ports is the size of the local port range.
func (s TimeWaitSysctls) Ports() int { return max(0, s.PortHigh-s.PortLow+1) }

// timeWaitCounter counts TIME_WAIT sockets during a dump.
type timeWaitCounter struct {
	tw        TimeWait
	remotes   map[netip.Addr]int
	endpoints map[netip.AddrPort]int
}

func newTimeWaitCounter(sys *TimeWaitSysctls) *timeWaitCounter {
	return &timeWaitCounter{tw: TimeWait{Sysctls: sys}, remotes: map[netip.Addr]int{}, endpoints: map[netip.AddrPort]int{}}
}

// add counts one TIME_WAIT socket.
func (c *timeWaitCounter) add(local, remote netip.AddrPort) {
	c.tw.Count++
	c.remotes[remote.Addr()]++
	if s := c.tw.Sysctls; s != nil && int(local.Port()) >= s.PortLow && int(local.Port()) <= s.PortHigh {
		c.tw.Outgoing++
		c.endpoints[remote]++
	}
}

// result names the remote address and endpoint that hold the most (the
// smallest on a tie, so that the answer does not depend on map order).
func (c *timeWaitCounter) result() *TimeWait {
	tw := c.tw
	var top netip.Addr
	for a, n := range c.remotes {
		if n > tw.TopRemoteCount || (n == tw.TopRemoteCount && a.Less(top)) {
			top, tw.TopRemoteCount = a, n
		}
	}
	if top.IsValid() {
		tw.TopRemote = top.String()
	}
	var ep netip.AddrPort
	for e, n := range c.endpoints {
		if n > tw.TopEndpointCount || (n == tw.TopEndpointCount && e.Compare(ep) < 0) {
			ep, tw.TopEndpointCount = e, n
		}
	}
	if ep.IsValid() {
		tw.TopEndpoint = ep.String()
	}
	return &tw
}

// readTimeWaitSysctls reads the sysctls of the calling thread's network
// namespace (/proc/sys/net resolves against the thread's own); nil when
// any is missing or malformed.
func readTimeWaitSysctls() *TimeWaitSysctls {
	read := func(name string) []byte {
		b, err := os.ReadFile("/proc/sys/net/ipv4/" + name)
		if err != nil {
			return nil
		}
		return b
	}
	s, err := ParseTimeWaitSysctls(read("tcp_max_tw_buckets"), read("tcp_tw_reuse"), read("ip_local_port_range"))
	if err != nil {
		return nil
	}
	return &s
}

// ParseTimeWaitSysctls reads the contents of tcp_max_tw_buckets,
// tcp_tw_reuse and ip_local_port_range.
func ParseTimeWaitSysctls(buckets, reuse, portRange []byte) (TimeWaitSysctls, error) {
	var s TimeWaitSysctls
	num := func(name string, b []byte) (int, error) {
		n, err := strconv.Atoi(string(bytes.TrimSpace(b)))
		if err != nil || n < 0 {
			return 0, fmt.Errorf("sockets: sysctl %s: %q", name, b)
		}
		return n, nil
	}
	var err error
	if s.MaxBuckets, err = num("tcp_max_tw_buckets", buckets); err != nil {
		return s, err
	}
	if s.Reuse, err = num("tcp_tw_reuse", reuse); err != nil {
		return s, err
	}
	f := bytes.Fields(portRange)
	if len(f) != 2 {
		return s, fmt.Errorf("sockets: sysctl ip_local_port_range: %q", portRange)
	}
	if s.PortLow, err = num("ip_local_port_range", f[0]); err != nil {
		return s, err
	}
	if s.PortHigh, err = num("ip_local_port_range", f[1]); err != nil {
		return s, err
	}
	if s.PortLow > 65535 || s.PortHigh > 65535 || s.PortLow > s.PortHigh {
		return s, fmt.Errorf("sockets: sysctl ip_local_port_range: %q", portRange)
	}
	return s, nil
}
