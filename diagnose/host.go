package diagnose

import (
	"fmt"
	"math"

	"netdx/link"
	"netdx/sockets"
)

// Host reads an interface snapshot and a socket table into findings:
// interfaces down or with errors, promiscuous interfaces and sniffers,
// TCP retransmits, cleartext services and unexpected gateways.
func Host(snap link.Snapshot, table sockets.Table, cfg Config) []Finding {
	var out []Finding
	for _, l := range snap.Links {
		out = append(out, linkFindings(l)...)
	}
	out = append(out, retransmits(snap.TCP, cfg)...)
	out = append(out, cleartext(table.Sockets)...)
	out = append(out, gateways(table.Routes)...)
	return out
}

func linkFindings(l link.Link) []Finding {
	var out []Finding
	ev := func(kv ...any) map[string]any {
		m := map[string]any{"interface": l.Name, "oper_state": l.OperState}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	if l.Up && !l.Carrier && l.Type != "loopback" {
		out = append(out, Finding{Kind: KindInterfaceDown, Severity: Warning, Interface: l.Name,
			Summary:  fmt.Sprintf("%s is up but has no carrier (cable, peer or driver): state %s, %d carrier changes", l.Name, l.OperState, l.CarrierChanges),
			Evidence: ev("carrier_changes", l.CarrierChanges)})
	}
	out = append(out, errorFindings(l, ev)...)
	p := l.Promisc
	if p.Flag && len(p.Sniffers) == 0 {
		out = append(out, Finding{Kind: KindPromiscuous, Severity: Warning, Interface: l.Name,
			Summary:  fmt.Sprintf("%s has the PROMISC flag set (ip link set promisc on) with no capture socket using it", l.Name),
			Evidence: ev("promiscuity", p.Counter, "explained_by", p.ExplainedBy)})
	}
	for _, s := range p.Sniffers {
		who := fmt.Sprintf("a capture socket (inode %d) whose owner could not be seen", s.Inode)
		if s.PID != 0 {
			who = fmt.Sprintf("%s[%d] (user %s)", s.Process, s.PID, s.User)
		}
		out = append(out, Finding{Kind: KindSniffer, Severity: Critical, Interface: l.Name, PID: s.PID, Process: s.Process,
			Summary:  fmt.Sprintf("%s captures %s in promiscuous mode (ifconfig shows no PROMISC flag for it)", who, l.Name),
			Evidence: ev("promiscuity", p.Counter, "promisc_flag", p.Flag, "inode", s.Inode, "protocol", s.Protocol)})
	}
	if p.Unexplained > 0 {
		out = append(out, Finding{Kind: KindSniffer, Severity: Critical, Interface: l.Name,
			Summary: fmt.Sprintf("%s: promiscuity counter %d, %d more than the flag, a bridge/bond and visible capture sockets explain: a hidden sniffer (or a capture from another namespace)",
				l.Name, p.Counter, p.Unexplained),
			Evidence: ev("promiscuity", p.Counter, "explained_by", p.ExplainedBy, "unexplained", p.Unexplained)})
	}
	return out
}

// errorFindings reports interface errors and drops: happening now (a
// sampled interval) is a warning; counted since boot only is information.
func errorFindings(l link.Link, ev func(...any) map[string]any) []Finding {
	s, when, sev := l.Stats, "since the counters started", Info
	if l.Rates != nil && !l.Rates.Reset {
		s, when, sev = l.Rates.Delta, fmt.Sprintf("in the last %.1f s", l.Rates.IntervalMS/1000), Warning
	}
	var out []Finding
	pkts := s.RxPackets + s.TxPackets
	if errs := s.RxErrors + s.TxErrors + s.Collisions; errs > 0 {
		detail := map[string]uint64{}
		for name, v := range map[string]uint64{
			"rx_crc_errors": s.RxCRCErrors, "rx_frame_errors": s.RxFrameErrors, "rx_fifo_errors": s.RxFIFOErrors,
			"rx_missed_errors": s.RxMissedErrors, "rx_over_errors": s.RxOverErrors, "rx_length_errors": s.RxLengthErrors,
			"tx_aborted_errors": s.TxAbortedErrors, "tx_carrier_errors": s.TxCarrierErrors, "tx_fifo_errors": s.TxFIFOErrors,
			"tx_heartbeat_errors": s.TxHeartbeatErrors, "tx_window_errors": s.TxWindowErrors, "collisions": s.Collisions,
		} {
			if v > 0 {
				detail[name] = v
			}
		}
		out = append(out, Finding{Kind: KindInterfaceErrors, Severity: sev, Interface: l.Name,
			Summary: fmt.Sprintf("%s: %d rx and %d tx errors, %d collisions %s (%.3f%% of packets)",
				l.Name, s.RxErrors, s.TxErrors, s.Collisions, when, pct(errs, pkts+errs)),
			Evidence: ev("rx_errors", s.RxErrors, "tx_errors", s.TxErrors, "packets", pkts, "detail", detail)})
	}
	// Some drops are normal (frames for protocols nobody handles): only
	// a drop share of 1 % or more is worth a look.
	drops := s.RxDropped + s.TxDropped
	if drops > 0 && pct(drops, pkts+drops) >= 1 {
		out = append(out, Finding{Kind: KindInterfaceErrors, Severity: sev, Interface: l.Name,
			Summary: fmt.Sprintf("%s: %d rx and %d tx packets dropped %s (%.2f%% of packets)",
				l.Name, s.RxDropped, s.TxDropped, when, pct(drops, pkts+drops)),
			Evidence: ev("rx_dropped", s.RxDropped, "tx_dropped", s.TxDropped, "packets", pkts, "rx_nohandler", s.RxNoHandler)})
	}
	return out
}

func retransmits(t link.TCP, cfg Config) []Finding {
	limit := cfg.maxRetransPct()
	if iv := t.Interval; iv != nil && !iv.Reset {
		if iv.OutSegs < cfg.minSegments() {
			return nil
		}
		r := 100 * float64(iv.RetransSegs) / float64(iv.OutSegs)
		if r <= limit {
			return nil
		}
		return []Finding{{Kind: KindRetransmits, Severity: Warning,
			Summary: fmt.Sprintf("TCP retransmits %.2f%% of segments over the interval (%d of %d; above %.1f%%): loss or congestion on some path",
				r, iv.RetransSegs, iv.OutSegs, limit),
			Evidence: map[string]any{"retrans_segs": iv.RetransSegs, "out_segs": iv.OutSegs, "retrans_pct": round(r, 3),
				"syn_retrans": iv.SynRetrans, "timeouts": iv.Timeouts, "lost_retransmit": iv.LostRetransmit}}}
	}
	if t.OutSegs < 10*cfg.minSegments() {
		return nil
	}
	r := 100 * t.RetransRatio
	if r <= limit {
		return nil
	}
	return []Finding{{Kind: KindRetransmits, Severity: Info,
		Summary: fmt.Sprintf("TCP has retransmitted %.2f%% of segments since boot (%d of %d); sample an interval to see whether it happens now",
			r, t.RetransSegs, t.OutSegs),
		Evidence: map[string]any{"retrans_segs": t.RetransSegs, "out_segs": t.OutSegs, "retrans_pct": round(r, 3),
			"syn_retrans": t.SynRetrans, "timeouts": t.Timeouts, "lost_retransmit": t.LostRetransmit}}}
}

// cleartext flags listeners of cleartext services: reachable from the
// network is a warning, loopback only is information.
func cleartext(socks []sockets.Socket) []Finding {
	var out []Finding
	for _, s := range socks {
		if s.Cleartext == "" || !listening(s) {
			continue
		}
		sev, reach := Warning, "reachable from the network"
		if s.LocalAddr.Addr().IsLoopback() {
			sev, reach = Info, "loopback only"
		}
		who := "an owner netdx could not see"
		if s.PID != 0 {
			who = fmt.Sprintf("%s[%d]", s.Process, s.PID)
		}
		alt := ""
		if s.Alternative != "" {
			alt = "; use " + s.Alternative + " instead"
		}
		out = append(out, Finding{Kind: KindCleartextService, Severity: sev, PID: s.PID, Process: s.Process,
			Summary:  fmt.Sprintf("%s listens on %s/%s (%s, cleartext, %s)%s", who, s.Proto, s.Local, s.Cleartext, reach, alt),
			Evidence: map[string]any{"proto": s.Proto, "local": s.Local, "service": s.Cleartext, "alternative": s.Alternative, "user": s.User}})
	}
	return out
}

func listening(s sockets.Socket) bool {
	return s.State == "LISTEN" || (s.Proto == "udp" && !s.RemoteAddr.Addr().IsValid()) ||
		(s.Proto == "udp" && s.RemoteAddr.Addr().IsUnspecified())
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
		out = append(out, Finding{Kind: KindUnexpectedGateway, Severity: sev, Addr: r.Gateway, Interface: r.Interface,
			Summary:  fmt.Sprintf("route %s goes via %s on %s, which is not an allowed gateway", r.Dst, r.Gateway, r.Interface),
			Evidence: map[string]any{"dst": r.Dst, "gateway": r.Gateway, "interface": r.Interface, "table": r.Table, "metric": r.Metric}})
	}
	return out
}

func pct(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
