package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"netdx/sockets"
)

// cleartext flags listeners of cleartext services: reachable from the
// network is a warning, loopback only is information.
func cleartext(socks []sockets.Socket) []Finding {
	var out []Finding
	for _, s := range socks {
		if s.Cleartext == "" || !listening(s) {
			continue
		}
		sev, reach := Warning, "reachable from the network"
		if loopbackOnly(s) {
			sev, reach = Info, "loopback only"
		}
		alt := ""
		if s.Alternative != "" {
			alt = "; use " + s.Alternative + " instead"
		}
		ev := map[string]any{"proto": s.Proto, "local": s.Local, "service": s.Cleartext, "alternative": s.Alternative,
			"user": s.User, "reachable": sev > Info}
		if svc, ok := sockets.Cleartext(s.Proto, s.LocalAddr.Port()); ok && svc.SecurePort != 0 {
			ev["secure_port"] = svc.SecurePort
		}
		out = append(out, Finding{Kind: KindCleartextService, Severity: sev,
			Subject:  Subject{PID: s.PID, Process: s.Process, Proto: s.Proto, Local: s.Local},
			Summary:  fmt.Sprintf("%s listens on %s/%s (%s, cleartext, %s)%s", owner(s.Owner), s.Proto, s.Local, s.Cleartext, reach, alt),
			Evidence: ev})
	}
	return out
}

func listening(s sockets.Socket) bool {
	return s.State == "LISTEN" || (s.Proto == "udp" && (!s.RemoteAddr.Addr().IsValid() || s.RemoteAddr.Addr().IsUnspecified()))
}

// loopbackOnly: bound to a loopback address (::ffff:127.0.0.1 included) or
// to the loopback device.
func loopbackOnly(s sockets.Socket) bool {
	return s.LocalAddr.Addr().Unmap().IsLoopback() || s.Interface == "lo"
}

func owner(o sockets.Owner) string {
	if o.PID == 0 {
		return "an owner netdx could not see"
	}
	return fmt.Sprintf("%s[%d]", o.Process, o.PID)
}

// maxListed bounds the sockets a finding lists in its evidence.
const maxListed = 8

// deletedExecutables reports each process holding sockets whose
// executable is gone from disk, once with all its sockets. Where nothing
// is installed (temporary and shared-memory folders, memfd) it is the mark
// of a program that hides: critical. Elsewhere a package upgrade that
// replaced a running daemon looks the same: a warning until it is
// restarted.
func deletedExecutables(socks []sockets.Socket, caps []sockets.PacketSocket) []Finding {
	type proc struct {
		o     sockets.Owner
		user  string
		socks []string
	}
	byPID := map[int]*proc{}
	var order []int
	note := func(o sockets.Owner, user, what string) {
		if o.PID == 0 || !o.ExeDeleted {
			return
		}
		p := byPID[o.PID]
		if p == nil {
			p = &proc{o: o, user: user}
			byPID[o.PID] = p
			order = append(order, o.PID)
		}
		p.socks = append(p.socks, what)
	}
	for _, s := range socks {
		if !s.ExeDeleted && !slices.ContainsFunc(s.OtherOwners, func(o sockets.Owner) bool { return o.ExeDeleted }) {
			continue // most sockets: no need to name them
		}
		what := fmt.Sprintf("%s %s %s", s.Proto, s.State, s.Local)
		if s.State != "LISTEN" && s.Remote != "" && !s.RemoteAddr.Addr().IsUnspecified() {
			what += " -> " + s.Remote
		}
		note(s.Owner, s.User, what)
		for _, o := range s.OtherOwners {
			note(o, s.User, what)
		}
	}
	for _, c := range caps {
		what := fmt.Sprintf("packet %s on %s", c.Protocol, c.Interface)
		note(c.Owner, c.User, what)
		for _, o := range c.Others {
			note(o, c.User, what)
		}
	}
	var out []Finding
	for _, pid := range order {
		p := byPID[pid]
		sev, why := Warning, "an upgrade that replaced a running program looks the same: restart it, or find out what it is"
		if hiddenPlace(p.o.Exe) {
			sev, why = Critical, "nothing is installed there: the mark of a program that hides in memory"
		}
		listed := p.socks[:min(len(p.socks), maxListed)]
		more := ""
		if n := len(p.socks) - len(listed); n > 0 {
			more = fmt.Sprintf(" and %d more", n)
		}
		out = append(out, Finding{Kind: KindDeletedExecutable, Severity: sev, Subject: Subject{PID: pid, Process: p.o.Process},
			Summary: fmt.Sprintf("%s[%d] (user %s) runs %s, deleted from disk, and holds %d socket(s) (%s%s): %s",
				p.o.Process, pid, p.user, p.o.Exe, len(p.socks), strings.Join(listed, ", "), more, why),
			Evidence: map[string]any{"exe": p.o.Exe, "user": p.user, "socket_count": len(p.socks), "sockets": listed}})
	}
	return out
}

// hiddenPlace tells whether an executable's path is somewhere nothing is
// installed from a package.
func hiddenPlace(exe string) bool {
	if !strings.HasPrefix(exe, "/") || strings.HasPrefix(exe, "/memfd:") {
		return true
	}
	for _, dir := range []string{"/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/", "/run/user/", "/dev/", "/proc/"} {
		if strings.HasPrefix(exe, dir) {
			return true
		}
	}
	return false
}

// timeWait names a TIME_WAIT pile-up: more sockets than cfg.TimeWaitPileup,
// or enough to one endpoint to hold half the local port range. Critical
// when they hold 90 % of the ports to one endpoint and tcp_tw_reuse does
// not let new connections take them: the next connect() fails.
func timeWait(tw *sockets.TimeWait, cfg Config) []Finding {
	if tw == nil || tw.Count == 0 {
		return nil
	}
	sys := tw.Sysctls
	portShare := 0.0
	if sys != nil && sys.Ports() > 0 {
		portShare = float64(tw.TopEndpointCount) / float64(sys.Ports())
	}
	if tw.Count < cfg.TimeWaitPileup && portShare < 0.5 {
		return nil
	}
	ev := map[string]any{"count": tw.Count, "pileup_from": cfg.TimeWaitPileup, "top_remote": tw.TopRemote,
		"top_remote_count": tw.TopRemoteCount, "outgoing": tw.Outgoing}
	var b strings.Builder
	fmt.Fprintf(&b, "%d TCP sockets in TIME_WAIT (a pile-up from %d), most with %s (%d)", tw.Count, cfg.TimeWaitPileup, tw.TopRemote, tw.TopRemoteCount)
	sev := Warning
	if sys == nil {
		b.WriteString("; the sysctls that govern them could not be read")
		return []Finding{{Kind: KindTimeWaitPileup, Severity: sev, Summary: b.String(), Evidence: ev}}
	}
	ev["tcp_max_tw_buckets"] = sys.MaxBuckets
	ev["tcp_tw_reuse"] = sys.Reuse
	ev["ip_local_port_range"] = fmt.Sprintf("%d %d", sys.PortLow, sys.PortHigh)
	ev["local_ports"] = sys.Ports()
	reuse := sys.Reuse == 1
	if sys.Reuse == 2 { // loopback only
		ep, err := netip.ParseAddrPort(tw.TopEndpoint)
		reuse = err == nil && ep.Addr().Unmap().IsLoopback()
	}
	if tw.TopEndpoint != "" {
		ev["top_endpoint"] = tw.TopEndpoint
		ev["top_endpoint_count"] = tw.TopEndpointCount
		ev["port_share_pct"] = round(100*portShare, 1)
		fmt.Fprintf(&b, "; %d are connections this host closed, %d of them to %s, holding %.0f%% of the %d local ports (ip_local_port_range %d %d)",
			tw.Outgoing, tw.TopEndpointCount, tw.TopEndpoint, 100*portShare, sys.Ports(), sys.PortLow, sys.PortHigh)
		if portShare >= 0.9 && !reuse {
			sev = Critical
			b.WriteString(": new connections to it will fail (EADDRNOTAVAIL)")
		}
	}
	if sys.MaxBuckets > 0 {
		used := 100 * float64(tw.Count) / float64(sys.MaxBuckets)
		ev["buckets_used_pct"] = round(used, 1)
		fmt.Fprintf(&b, "; tcp_max_tw_buckets %d (%.0f%% used", sys.MaxBuckets, used)
		if used >= 90 {
			b.WriteString(": beyond it the kernel drops TIME_WAIT early")
		}
		b.WriteString(")")
	}
	reuseWords := map[int]string{0: "off", 1: "on", 2: "loopback only"}[sys.Reuse]
	if reuseWords == "" {
		reuseWords = "unknown mode"
	}
	fmt.Fprintf(&b, "; tcp_tw_reuse %d (%s)", sys.Reuse, reuseWords)
	if !reuse && tw.Outgoing > 0 {
		b.WriteString(": reuse connections (keep-alive, pooling), or set net.ipv4.tcp_tw_reuse=1, or widen ip_local_port_range")
	}
	return []Finding{{Kind: KindTimeWaitPileup, Severity: sev, Summary: b.String(), Evidence: ev}}
}

func gateways(routes []sockets.Route) []Finding {
	var out []Finding
	for _, r := range routes {
		if !r.Unexpected {
			continue
		}
		sev := Warning
		if r.Default {
			sev = Critical
		}
		out = append(out, Finding{Kind: KindUnexpectedGateway, Severity: sev,
			Subject:  Subject{Addr: r.Gateway, Interface: r.Interface, Route: r.Dst},
			Summary:  fmt.Sprintf("route %s goes via %s on %s, which is not an allowed gateway", r.Dst, r.Gateway, r.Interface),
			Evidence: map[string]any{"dst": r.Dst, "gateway": r.Gateway, "interface": r.Interface, "table": r.Table, "metric": r.Metric}})
	}
	return out
}
