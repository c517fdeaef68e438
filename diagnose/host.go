package diagnose

import (
	"fmt"
	"math"
	"slices"

	"netdx/link"
	"netdx/sockets"
)

// Host reads the link check's evidence and a socket table into findings:
// interfaces down, flapping or with errors, promiscuous interfaces and
// sniffers, TCP retransmits, cleartext services, processes whose
// executable was deleted, TIME_WAIT pile-ups and unexpected gateways.
// Either input may be empty: "netdx link" passes no table, "netdx sockets"
// no snapshot, and each gets the findings its data supports.
func Host(snap LinkEvidence, table sockets.Table, cfg Config) []Finding {
	var out []Finding
	seen := map[uint32]bool{} // capture sockets already judged
	for _, l := range snap.Links {
		out = append(out, linkFindings(l, cfg, seen)...)
	}
	out = append(out, captureFindings(table.CaptureSockets, cfg, seen)...)
	out = append(out, retransmits(snap.TCP, cfg)...)
	out = append(out, cleartext(table.Sockets)...)
	out = append(out, deletedExecutables(table.Sockets, append(slices.Clip(snap.CaptureSockets), table.CaptureSockets...))...)
	out = append(out, timeWait(table.TimeWait, cfg)...)
	out = append(out, gateways(table.Routes)...)
	return out
}

func linkFindings(l Interface, cfg Config, seen map[uint32]bool) []Finding {
	var out []Finding
	ev := func(kv ...any) map[string]any {
		m := map[string]any{"interface": l.Name, "oper_state": l.OperState}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	flap := flapping(l.Link, cfg, ev)
	out = append(out, flap...)
	// A flapping link's down moments belong to its flapping finding.
	if l.Up && !l.Carrier && l.Type != "loopback" && !slices.ContainsFunc(flap, func(f Finding) bool { return f.Severity > Info }) {
		out = append(out, Finding{Kind: KindInterfaceDown, Severity: Warning, Subject: Subject{Interface: l.Name},
			Summary:  fmt.Sprintf("%s is up but has no carrier (cable, peer or driver): state %s, %d carrier changes", l.Name, l.OperState, l.CarrierChanges),
			Evidence: ev("carrier_changes", l.CarrierChanges)})
	}
	out = append(out, errorFindings(l.Link, cfg, ev)...)
	out = append(out, promiscFindings(l, cfg, seen, ev)...)
	return out
}

// flapping reports carrier changes: changes during a sampled interval are
// happening now (a warning from cfg.FlapChanges on: the link went down and
// came back); counts since the interface appeared are information, and
// only when there are many.
func flapping(l link.Link, cfg Config, ev func(...any) map[string]any) []Finding {
	if l.Type == "loopback" {
		return nil
	}
	now := "up"
	if !l.Carrier {
		now = "down"
	}
	if r := l.Rates; r != nil && !r.Reset {
		n := r.CarrierChanges
		if n == 0 {
			return nil
		}
		sev := Info
		if n >= uint32(cfg.FlapChanges) {
			sev = Warning
		}
		return []Finding{{Kind: KindInterfaceFlapping, Severity: sev, Subject: Subject{Interface: l.Name},
			Summary: fmt.Sprintf("%s: carrier changed %d times in the last %.1f s (%d since it appeared), %s now: cable, peer port or driver",
				l.Name, n, r.IntervalMS/1000, l.CarrierChanges, now),
			Evidence: ev("carrier_changes_interval", n, "interval_ms", round(r.IntervalMS, 1), "carrier_changes", l.CarrierChanges, "carrier", l.Carrier)}}
	}
	if l.CarrierChanges < uint32(cfg.bootFlapChanges()) {
		return nil
	}
	return []Finding{{Kind: KindInterfaceFlapping, Severity: Info, Subject: Subject{Interface: l.Name},
		Summary: fmt.Sprintf("%s: carrier changed %d times since the interface appeared, %s now; sample an interval (--interval) to see whether it flaps now",
			l.Name, l.CarrierChanges, now),
		Evidence: ev("carrier_changes", l.CarrierChanges, "carrier", l.Carrier)}}
}

// errorFindings reports interface errors and drops: happening now (a
// sampled interval) is a warning; counted since boot only is information.
func errorFindings(l link.Link, cfg Config, ev func(...any) map[string]any) []Finding {
	s, when, sev, minDrops := l.Stats, "since the counters started", Info, uint64(1)
	if l.Rates != nil && !l.Rates.Reset {
		s, when, sev = l.Rates.Delta, fmt.Sprintf("in the last %.1f s", l.Rates.IntervalMS/1000), Warning
		minDrops = cfg.MinDrops
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
		out = append(out, Finding{Kind: KindInterfaceErrors, Severity: sev, Subject: Subject{Interface: l.Name},
			Summary: fmt.Sprintf("%s: %d rx and %d tx errors, %d collisions %s (%.3f%% of packets)",
				l.Name, s.RxErrors, s.TxErrors, s.Collisions, when, pct(errs, pkts+errs)),
			Evidence: ev("rx_errors", s.RxErrors, "tx_errors", s.TxErrors, "packets", pkts, "detail", detail)})
	}
	// Some drops are normal (frames for protocols nobody handles, a
	// packet sent as a link went down): only a drop share of 1 % or more,
	// and over an interval enough drops to be a trend, are worth a look.
	drops := s.RxDropped + s.TxDropped
	if drops >= minDrops && pct(drops, pkts+drops) >= 1 {
		out = append(out, Finding{Kind: KindInterfaceErrors, Severity: sev, Subject: Subject{Interface: l.Name},
			Summary: fmt.Sprintf("%s: %d rx and %d tx packets dropped %s (%.2f%% of packets)",
				l.Name, s.RxDropped, s.TxDropped, when, pct(drops, pkts+drops)),
			Evidence: ev("rx_dropped", s.RxDropped, "tx_dropped", s.TxDropped, "packets", pkts, "rx_nohandler", s.RxNoHandler)})
	}
	return out
}

// promiscFindings reads an interface's promiscuity: the PROMISC flag with
// no capture using it, promiscuous capture sockets of processes not
// allowed (sniffers), and a counter nothing explains (a hidden sniffer).
func promiscFindings(l Interface, cfg Config, seen map[uint32]bool, ev func(...any) map[string]any) []Finding {
	var out []Finding
	p := l.Promisc
	if p.Flag && len(p.Captures) == 0 {
		out = append(out, Finding{Kind: KindPromiscuous, Severity: Warning, Subject: Subject{Interface: l.Name},
			Summary:  fmt.Sprintf("%s has the PROMISC flag set (ip link set promisc on) with no capture socket using it", l.Name),
			Evidence: ev("promiscuity", p.Counter, "explained_by", p.ExplainedBy)})
	}
	for _, s := range p.Captures {
		seen[s.Inode] = true
		if allowedCapture(s, cfg) {
			continue
		}
		note := " (ifconfig shows no PROMISC flag for it)"
		if p.Flag {
			note = ""
		}
		out = append(out, snifferFinding(s, l.Name, ev("promiscuity", p.Counter, "promisc_flag", p.Flag, "inode", s.Inode, "protocol", s.Protocol), note))
	}
	if p.Unexplained > 0 {
		out = append(out, Finding{Kind: KindSniffer, Severity: Critical, Subject: Subject{Interface: l.Name},
			Summary: fmt.Sprintf("%s: promiscuity counter %d, %d more than the flag, a bridge/bond and visible capture sockets explain: a hidden sniffer (or a capture from another namespace)",
				l.Name, p.Counter, p.Unexplained),
			Evidence: ev("promiscuity", p.Counter, "explained_by", p.ExplainedBy, "unexplained", p.Unexplained)})
	}
	return out
}

// captureFindings judges the capture sockets of a socket table ("netdx
// sockets --capture") that no interface already accounted for.
func captureFindings(caps []sockets.PacketSocket, cfg Config, seen map[uint32]bool) []Finding {
	var out []Finding
	for _, c := range caps {
		if !c.Promisc || seen[c.Inode] || allowedCapture(c, cfg) {
			continue
		}
		seen[c.Inode] = true
		out = append(out, snifferFinding(c, c.Interface, map[string]any{"interface": c.Interface, "inode": c.Inode, "protocol": c.Protocol}, ""))
	}
	return out
}

func snifferFinding(s sockets.PacketSocket, ifname string, ev map[string]any, note string) Finding {
	who := fmt.Sprintf("a capture socket (inode %d) whose owner could not be seen", s.Inode)
	if s.PID != 0 {
		who = fmt.Sprintf("%s[%d] (user %s)", s.Process, s.PID, s.User)
		ev["user"] = s.User
	}
	return Finding{Kind: KindSniffer, Severity: Critical, Subject: Subject{Interface: ifname, PID: s.PID, Process: s.Process, Inode: s.Inode},
		Summary:  fmt.Sprintf("%s captures %s in promiscuous mode%s", who, ifname, note),
		Evidence: ev}
}

// allowedCapture: a capture of a process the configuration expects (a DHCP
// client) explains the counter but is no sniffer. An owner netdx could not
// see is never allowed.
func allowedCapture(s sockets.PacketSocket, cfg Config) bool {
	return s.PID != 0 && slices.Contains(cfg.AllowedCapture, s.Process)
}

func retransmits(t link.TCP, cfg Config) []Finding {
	limit := cfg.MaxRetransPct
	if iv := t.Interval; iv != nil && !iv.Reset {
		if iv.OutSegs < cfg.MinSegments {
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
	if t.OutSegs < 10*cfg.MinSegments {
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
