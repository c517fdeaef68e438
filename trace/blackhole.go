package trace

import (
	"context"
	"net/netip"
	"time"
)

// BlackHole is an MTU black hole a path MTU trace (Config.MTU) ran into:
// its probes, as large as the path MTU it had learnt, died without a word
// (no "fragmentation needed", no "packet too big") past hop After, while
// smaller probes went on to hop Reach.
type BlackHole struct {
	// After is the last hop that answered the large probes (0: none
	// did), Addr its address.
	After int        `json:"after_hop"`
	Addr  netip.Addr `json:"addr,omitzero"`
	// Reach is the furthest hop the smaller probes reached (the target's
	// when they did), ReachAddr its address.
	Reach     int        `json:"reach_hop"`
	ReachAddr netip.Addr `json:"reach_addr"`
	// Largest is the largest probe, in bytes of IP packet, that reached
	// hop Reach; Smallest the smallest that did not.
	Largest  int `json:"largest_ok"`
	Smallest int `json:"smallest_lost"`
}

// traceOnce runs one trace over the session. A path MTU trace that ended
// in silence looks for a black hole (see probeBlackHole); small is the
// payload of the probes that do so.
func traceOnce(ctx context.Context, cfg Config, sess *session, small int) (Result, error) {
	res, err := runQuiet(ctx, cfg, sess)
	if err != nil || !cfg.MTU || res.EndReason != EndMaxTTL {
		return res, err
	}
	return probeBlackHole(ctx, cfg, sess, res, small)
}

// probeBlackHole looks past the last hop that answered res's probes with
// probes of small bytes of payload. If they get further, the large probes
// died without a word: it bisects, with probes to the furthest hop the
// small ones reached, for the largest size that gets there, and says so
// in res (BlackHole, and PathMTU that size). Otherwise the path is dead
// whatever the size, and res stays as it is.
func probeBlackHole(ctx context.Context, cfg Config, sess *session, res Result, small int) (Result, error) {
	after, addr, _ := lastAnswer(res)
	if after >= cfg.MaxTTL || small >= cfg.Size {
		return res, nil
	}
	c := cfg
	c.OnHop, c.OnAnswer, c.FirstTTL, c.Size = nil, nil, after+1, small
	reach, err := runQuiet(ctx, c, sess)
	if err != nil {
		return res, err
	}
	far, farAddr, rtt := lastAnswer(reach)
	if far == 0 {
		return res, nil
	}
	header := cfg.Protocol.PacketSize(cfg.target.Is6(), 0)
	c.FirstTTL, c.MaxTTL, c.Retries = far, far, 0
	c.Wait = min(cfg.Wait, max(waitRTTs*rtt, minWait))
	passes := func(size int) (bool, error) {
		c.Size = size - header
		r, err := runQuiet(ctx, c, sess)
		for _, h := range r.Hops {
			for _, p := range h.Probes {
				if p.Answered() && h.PMTU >= size {
					return true, err
				}
			}
		}
		return false, err
	}
	lo, hi := small+header, cfg.Size+header
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		ok, err := passes(mid)
		if err != nil {
			return res, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	// The large size once more: a hop that answers it now was only slow
	// or rate-limited, and this is no black hole.
	if ok, err := passes(cfg.Size + header); ok || err != nil {
		return res, err
	}
	res.BlackHole = &BlackHole{After: after, Addr: addr, Reach: far, ReachAddr: farAddr, Largest: lo, Smallest: hi}
	res.PathMTU = lo
	return res, nil
}

// runQuiet runs one trace of c over the session and returns it.
func runQuiet(ctx context.Context, c Config, sess *session) (Result, error) {
	var res Result
	_, err := drive(ctx, c, sess, Rounds{Count: 1, OnRound: func(_ int, r Result) { res = r }})
	return res, err
}

// lastAnswer is the highest TTL of res that answered, its address and
// its slowest round-trip time (0 when nothing answered).
func lastAnswer(res Result) (ttl int, addr netip.Addr, rtt time.Duration) {
	for _, h := range res.Hops {
		for _, p := range h.Probes {
			if !p.Answered() {
				continue
			}
			if h.TTL > ttl {
				ttl, addr, rtt = h.TTL, p.Addr, 0
			}
			rtt = max(rtt, p.RTT)
		}
	}
	return ttl, addr, rtt
}
