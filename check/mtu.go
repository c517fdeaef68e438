package check

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"netdx/diagnose"
	"netdx/icmpmsg"
	"netdx/probe"
	"netdx/trace"
)

// mtuLadder are the sizes (IP packets, header included) MTU probing tries
// first, largest first: 1500, Ethernet's, stepping down through what
// tunnels leave of it when this host cannot send 1500 itself. The last is
// the floor: the smallest MTU every IPv6 path must carry (RFC 8200), below
// which netdx does not look.
var mtuLadder = []int{1500, 1492, 1480, 1460, 1440, 1420, 1400, 1380, 1360, 1340, 1320, 1300, mtuFloor}

// mtuFloor is the smallest size MTU probing tries.
const mtuFloor = 1280

// Probes of MTU probing: each bisection step sends two requests of its
// size, two more when both are lost; the top size is sent mtuRepeats times
// more over the duration (what diagnose holds against the echo stream: 11
// lost of 11 is clearly more than 30 % loss); each TTL of the last hop's
// search two.
const (
	mtuStepCount = 2
	mtuRepeats   = 10
	mtuHopCount  = 2
	mtuGap       = 10 * time.Millisecond
)

// probeMTU probes the path to t, beside the check's streams, with echo
// requests of several sizes that set DF and ignore any path MTU this host
// has learnt (probe.Config.ProbeMTU), and returns what they drew:
//
//   - at once, the top size (1500, or the largest of mtuLadder this host
//     can send) and the floor (1280), the top first thing: routers limit
//     the ICMP they send, and the trace rounds soon spend it;
//   - when the top size is lost without a "fragmentation needed" (ICMPv6
//     "packet too big") and the floor comes back, a bisection between them
//     for the largest size that passes; meanwhile the top size is sent
//     again over the duration, and with TTLs to every hop before the
//     target (its distance from the floor's reply TTL): the hops that
//     answer those Time Exceeded are the ones the big packets reach.
//
// A path that answers the top size, or says it is too big, costs two
// requests. Everything ends within the duration plus a wait.
func probeMTU(ctx context.Context, t Target, cfg PathConfig) (*diagnose.MTUEvidence, error) {
	end := time.Now().Add(cfg.Duration)
	ctx, cancel := context.WithDeadline(ctx, end.Add(cfg.EchoTimeout))
	defer cancel()
	m := &mtuProber{t: t, cfg: cfg, sizes: map[int]*diagnose.MTUSize{}}
	top, topRes, floor, err := m.first(ctx)
	if err != nil || top == 0 || topRes.received > 0 || topRes.tooBig > 0 || floor.received == 0 {
		return m.evidence(), err
	}
	wait := m.wait()
	var wg sync.WaitGroup
	// What they draw is in the evidence; a failure leaves them out.
	wg.Go(func() {
		_, _ = m.send(ctx, top, probe.KernelTTL, mtuRepeats, max(time.Until(end)/mtuRepeats, mtuGap), wait)
	})
	wg.Go(func() { m.lastHops(ctx, top, trace.BackHops(floor.replyTTL), wait) })
	err = m.bisect(ctx, mtuFloor, top, end)
	wg.Wait()
	return m.evidence(), err
}

// first sends the top size and the floor at once. The top size's answer
// is awaited m.wait more once the floor has answered; the floor is sent
// again if it was lost.
func (m *mtuProber) first(ctx context.Context) (top int, topRes, floor dfResult, err error) {
	topCtx, stopTop := context.WithCancel(ctx)
	defer stopTop()
	var (
		wg       sync.WaitGroup
		floorErr error
		stop     *time.Timer
	)
	wg.Go(func() {
		floor, floorErr = m.send(ctx, mtuFloor, probe.KernelTTL, 1, mtuGap, m.cfg.EchoTimeout)
		if floorErr == nil && floor.received == 0 {
			// Lost, or the target does not answer: once more.
			floor, floorErr = m.send(ctx, mtuFloor, probe.KernelTTL, mtuStepCount, mtuGap, m.cfg.EchoTimeout)
		}
		if floor.received > 0 {
			stop = time.AfterFunc(m.wait(), stopTop)
		}
	})
	for _, s := range mtuLadder[:len(mtuLadder)-1] {
		if topRes, err = m.send(topCtx, s, probe.KernelTTL, 1, mtuGap, m.cfg.EchoTimeout); err != nil || topRes.sent > 0 {
			top = s
			break
		}
	}
	wg.Wait()
	if stop != nil {
		stop.Stop()
	}
	return top, topRes, floor, errors.Join(err, floorErr)
}

// wait is how long a request is awaited once one has come back: three
// times the shortest round trip seen, at least 100 ms, at most the echo
// timeout. The shortest: the first packet to a target may wait for every
// router on the way to resolve its next hop.
func (m *mtuProber) wait() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return min(max(3*m.best, 100*time.Millisecond), m.cfg.EchoTimeout)
}

// bisect looks between lo (passes) and hi (dies) for the largest size that
// passes, two requests a size and two more when both are lost (on a lossy
// path, two lost at once would often stop it short), until they are
// neighbours, a size is said too big, or the duration ends.
func (m *mtuProber) bisect(ctx context.Context, lo, hi int, end time.Time) error {
	for hi-lo > 1 && time.Until(end) > m.wait() {
		mid := (lo + hi) / 2
		r, err := m.send(ctx, mid, probe.KernelTTL, mtuStepCount, mtuGap, m.wait())
		if err == nil && r.received == 0 && r.tooBig == 0 {
			r, err = m.send(ctx, mid, probe.KernelTTL, mtuStepCount, mtuGap, m.wait())
		}
		switch {
		case err != nil:
			return err
		case r.tooBig > 0:
			return nil
		case r.received > 0:
			lo = mid
		default:
			hi = mid
		}
	}
	return nil
}

// mtuProber gathers what MTU probing saw; its sends may run at once.
type mtuProber struct {
	t     Target
	cfg   PathConfig
	mu    sync.Mutex
	sizes map[int]*diagnose.MTUSize
	hops  []diagnose.MTUHop
	hopSz int
	best  time.Duration // the shortest round trip of a reply
}

// dfResult is what some DF echo requests of one size drew.
type dfResult struct {
	sent, received, tooBig int
	rtt                    time.Duration // the fastest reply's
	replyTTL               int
	exceeded               map[netip.Addr]int // Time Exceeded answers by sender
}

// send sends count DF echo requests of size bytes (IP header included)
// with TTL ttl, every apart, each awaited timeout, and records them under
// their size when they were sent with no TTL limit. Requests this host
// could not send (larger than its own link) are not counted.
func (m *mtuProber) send(ctx context.Context, size, ttl, count int, every, timeout time.Duration) (dfResult, error) {
	header := 28
	if m.t.Addr.Is6() {
		header = 48
	}
	pc := probe.DefaultConfig()
	pc.Count, pc.Interval, pc.Timeout, pc.Size = count, every, timeout, size-header
	pc.ProbeMTU, pc.TTL = true, ttl
	pc.Mode, pc.Source, pc.Interface = m.cfg.Mode, m.cfg.Trace.Source, m.cfg.Trace.Interface
	r := dfResult{exceeded: map[netip.Addr]int{}}
	pc.OnEvent = func(ev probe.Event) {
		switch ev.Kind {
		case probe.EventReply:
			if r.rtt == 0 || ev.RTT < r.rtt {
				r.rtt = ev.RTT
			}
			r.replyTTL = ev.TTL
		case probe.EventError:
			switch icmpmsg.Classify(m.t.Addr.Is6(), ev.ErrType, ev.ErrCode) {
			case icmpmsg.FragmentationNeeded:
				r.tooBig++
			case icmpmsg.TTLExceeded:
				r.exceeded[ev.From]++
			}
		}
	}
	res, err := probe.Ping(ctx, pc, []probe.Target{{Name: m.t.Name, Addr: m.t.Addr}})
	if err != nil {
		return r, fmt.Errorf("check: MTU probes to %s: %w", m.t.Name, echoErr(err))
	}
	r.sent, r.received = res[0].Sent-res[0].SendErrors, res[0].Received
	if r.rtt > 0 {
		m.mu.Lock()
		if m.best == 0 || r.rtt < m.best {
			m.best = r.rtt
		}
		m.mu.Unlock()
	}
	if ttl == probe.KernelTTL && r.sent > 0 {
		m.mu.Lock()
		s := m.sizes[size]
		if s == nil {
			s = &diagnose.MTUSize{Size: size}
			m.sizes[size] = s
		}
		s.Sent, s.Received, s.TooBig = s.Sent+r.sent, s.Received+r.received, s.TooBig+r.tooBig
		m.mu.Unlock()
	}
	return r, nil
}

// lastHops sends requests of size with TTLs 1 to dist-1, all at once, and
// records which hops answered them Time Exceeded.
func (m *mtuProber) lastHops(ctx context.Context, size, dist int, wait time.Duration) {
	var wg sync.WaitGroup
	for ttl := 1; ttl < min(dist, trace.DefaultConfig().MaxTTL); ttl++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := m.send(ctx, size, ttl, mtuHopCount, mtuGap, wait)
			if err != nil || r.sent == 0 {
				return
			}
			h := diagnose.MTUHop{TTL: ttl, Sent: r.sent, TooBig: r.tooBig}
			for a, n := range r.exceeded {
				if n > h.Answered {
					h.Addr, h.Answered = a, n
				}
			}
			m.mu.Lock()
			m.hops = append(m.hops, h)
			m.hopSz = size
			m.mu.Unlock()
		}()
	}
	wg.Wait()
}

// evidence is what the probing saw, sizes largest first, hops by TTL.
func (m *mtuProber) evidence() *diagnose.MTUEvidence {
	m.mu.Lock()
	defer m.mu.Unlock()
	ev := &diagnose.MTUEvidence{Sizes: []diagnose.MTUSize{}, HopSize: m.hopSz, Hops: slices.Clone(m.hops)}
	for _, s := range m.sizes {
		ev.Sizes = append(ev.Sizes, *s)
	}
	slices.SortFunc(ev.Sizes, func(a, b diagnose.MTUSize) int { return b.Size - a.Size })
	slices.SortFunc(ev.Hops, func(a, b diagnose.MTUHop) int { return a.TTL - b.TTL })
	return ev
}
