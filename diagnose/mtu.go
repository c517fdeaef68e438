package diagnose

import (
	"fmt"
	"net/netip"
)

// MTUEvidence is what echo requests of several sizes, sent with DF set
// beside the path check's streams, saw: which sizes came back, which drew
// "fragmentation needed" (ICMPv6 "packet too big"), and how far the
// smallest size that never came back got (TTL-limited requests of that
// size: the hops that answered them Time Exceeded).
type MTUEvidence struct {
	// Sizes are the sizes probed, largest first.
	Sizes []MTUSize `json:"sizes"`
	// HopSize is the size of the TTL-limited requests of Hops; 0 when
	// none were sent.
	HopSize int      `json:"hop_size,omitempty"`
	Hops    []MTUHop `json:"hops,omitempty"`
}

// MTUSize is the echo requests of one size.
type MTUSize struct {
	// Size is the IP packet's, header included.
	Size     int `json:"size"`
	Sent     int `json:"sent"`
	Received int `json:"received"`
	// TooBig counts the "fragmentation needed" / "packet too big"
	// errors they drew.
	TooBig int `json:"too_big,omitempty"`
}

// MTUHop is the TTL-limited echo requests of MTUEvidence.HopSize sent
// with one TTL.
type MTUHop struct {
	TTL  int `json:"ttl"`
	Sent int `json:"sent"`
	// Answered counts the Time Exceeded answers, from Addr.
	Answered int        `json:"answered"`
	Addr     netip.Addr `json:"addr,omitzero"`
	TooBig   int        `json:"too_big,omitempty"`
}

// blackHole is an MTU black hole the evidence shows: packets of fails
// bytes and more die without a word while ok bytes pass.
type blackHole struct {
	ok, fails int
	big       Sample // the requests above ok: all lost
	small     Sample // the loss of small packets they are held against
	smallWhat string
	lastHop   MTUHop // the last hop that answered the big requests; TTL 0 if none
}

// findBlackHole reads m: the path is a black hole when requests of the
// largest size probed never came back nor drew a "fragmentation needed",
// a smaller size came back, and the largest size's loss is clearly more
// (z ≥ 4, as for where loss starts) than the loss of small packets: the
// echo stream's, or without one the smaller requests'. Only the largest
// size is held against them: its requests go out whatever the others
// draw, while the sizes between were picked by what was lost before them,
// and on a lossy path would make chance look like a black hole. A path
// that says "too big" is no black hole: senders learn its MTU. The sizes
// say where it starts: the largest that came back, and the smallest above
// it (all lost). The last hop that passed the big packets is the furthest
// that answered them Time Exceeded before the target's hop (targetTTL, 0
// when unknown): one at or past it is not on the way the trace saw.
func findBlackHole(m *MTUEvidence, echo *Echo, targetTTL int) (blackHole, bool) {
	if m == nil || len(m.Sizes) == 0 {
		return blackHole{}, false
	}
	var bh blackHole
	var top MTUSize
	for _, s := range m.Sizes {
		if s.TooBig > 0 {
			return blackHole{}, false
		}
		if s.Received > 0 {
			bh.ok = max(bh.ok, s.Size)
		}
		if s.Size > top.Size {
			top = s
		}
	}
	if bh.ok == 0 || top.Received > 0 {
		return blackHole{}, false
	}
	bh.big = Sample{K: top.Sent, N: top.Sent}
	var passed Sample
	for _, s := range m.Sizes {
		switch {
		case s.Size > bh.ok && (bh.fails == 0 || s.Size < bh.fails):
			bh.fails = s.Size
		case s.Size <= bh.ok:
			passed.K, passed.N = passed.K+s.Sent-s.Received, passed.N+s.Sent
		}
	}
	bh.small, bh.smallWhat = passed, "DF echo requests of smaller sizes"
	if echo != nil && echo.Received > 0 {
		bh.small, bh.smallWhat = Sample{K: echo.Lost(), N: echo.Sent}, "echo requests of the loss stream"
	}
	if bh.big.N == 0 || !bh.small.ClearlyBelow(bh.big) {
		return blackHole{}, false
	}
	for _, h := range m.Hops {
		if h.Answered > 0 && h.TTL > bh.lastHop.TTL && (targetTTL == 0 || h.TTL < targetTTL) {
			bh.lastHop = h
		}
	}
	return bh, true
}

// mtuFindings is mtu_blackhole when the MTU evidence shows one: a warning
// that names the largest size that passes, the last hop that passed the
// big packets, and the fix.
func (r *reading) mtuFindings(m *MTUEvidence) []Finding {
	bh, ok := findBlackHole(m, r.echo, r.rep.TargetTTL)
	if !ok {
		return nil
	}
	header, told := 40, "ICMP fragmentation needed (type 3 code 4)"
	if r.addr.Is6() {
		header, told = 60, "ICMPv6 packet too big"
	}
	where, at := "no hop answered them, so where they die cannot be told", "on the way"
	sub := Subject{Target: r.target}
	if h := bh.lastHop; h.TTL > 0 {
		sub.Hop, sub.Addr = h.TTL, h.Addr.String()
		where = fmt.Sprintf("they reach hop %d (%s, its Time Exceeded for %d-byte requests) and die after it", h.TTL, h.Addr, m.HopSize)
		at = fmt.Sprintf("on the router at hop %d (%s) or the next", h.TTL, h.Addr)
		if h.TTL == r.rep.TargetTTL-1 {
			where += ", on the target's last link or at the target itself"
			at = fmt.Sprintf("on the router at hop %d (%s) or the target", h.TTL, h.Addr)
		}
	}
	lo, hi := bh.small.Interval()
	return []Finding{{Kind: KindMTUBlackHole, Severity: Warning, Subject: sub,
		Summary: fmt.Sprintf("packets of %d bytes and more to %s die without a word (%d of %d DF echo requests of %d bytes lost, every one from %d bytes up, none answered \"too big\") "+
			"while %d bytes pass (%s lose %.1f%%, 95%%: %.1f–%.1f%%): an MTU black hole; %s. Small packets work and full-size ones stall (ssh works, scp hangs). "+
			"Fix %s: clamp TCP's MSS to %d (%d − %d), or let the router send %s",
			bh.fails, r.target, bh.big.K, bh.big.N, largestProbed(m), bh.fails, bh.ok, bh.smallWhat, bh.small.Rate(), lo, hi, where,
			at, bh.ok-header, bh.ok, header, told),
		Headline: fmt.Sprintf("MTU black hole: %d-byte packets pass, %d and more die without a word", bh.ok, bh.fails),
		Evidence: map[string]any{"largest_ok": bh.ok, "smallest_lost": bh.fails, "lost": bh.big.K, "sample": bh.big.N,
			"small_lost": bh.small.K, "small_sample": bh.small.N, "last_hop": bh.lastHop.TTL, "hop_size": m.HopSize,
			"mss": bh.ok - header, "sizes": m.Sizes}}}
}

// largestProbed is the largest size m probed.
func largestProbed(m *MTUEvidence) int {
	n := 0
	for _, s := range m.Sizes {
		n = max(n, s.Size)
	}
	return n
}
