package probe

import (
	"bytes"
	"container/heap"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"netdx/icmpmsg"
)

// conn is what the engine needs of a socket; *Conn is one.
type conn interface {
	WriteTo(b []byte, dst netip.Addr, o WriteOptions) (time.Time, error)
	ReadPacket(buf []byte) (Packet, error)
	Raw() bool
	ID() int
	// ZoneIndex is the index of the interface an IPv6 zone names, in the
	// socket's network namespace.
	ZoneIndex(zone string) (int, error)
	// Pending reports whether a packet or queued error waits, unread.
	Pending() bool
	Close() error
}

var _ conn = (*Conn)(nil)

type listenFunc func(ctx context.Context, cfg ConnConfig) (conn, error)

func listenConn(ctx context.Context, cfg ConnConfig) (conn, error) { return Listen(ctx, cfg) }

// Ping sends echo requests to targets and returns their statistics, in the
// order of targets. It opens one socket per address family for all
// targets, reads replies in one loop, paces requests by cfg.Interval per
// target and cfg.Rate for the whole run, and times each request out from
// a heap. When ctx ends (Ctrl-C) it returns the statistics so far, with a
// nil error: requests still waiting count as lost. No goroutine it starts
// outlives the call.
func Ping(ctx context.Context, cfg Config, targets []Target) ([]Result, error) {
	return run(ctx, cfg, targets, listenConn)
}

func run(ctx context.Context, cfg Config, targets []Target, listen listenFunc) ([]Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, errors.New("probe: no targets")
	}
	if len(targets) > MaxTargets {
		return nil, fmt.Errorf("probe: %d targets, at most %d in one run", len(targets), MaxTargets)
	}
	e := &engine{cfg: cfg, targets: targets, byAddr: map[netip.Addr]int{}, lim: newLimiter(cfg.Rate)}
	if _, err := rand.Read(e.token[:]); err != nil {
		return nil, fmt.Errorf("probe: random token: %w", err)
	}
	if err := cfg.checkTargets(targets); err != nil {
		return nil, err
	}
	var need [2]bool
	for i, t := range targets {
		if !t.Addr.IsValid() {
			return nil, fmt.Errorf("probe: target %q has no address", t.Name)
		}
		a := t.Addr.Unmap()
		e.targets[i].Addr = a
		need[fam(a)] = true
		// Replies carry no zone: match link-local targets without it.
		if _, ok := e.byAddr[a.WithZone("")]; !ok {
			e.byAddr[a.WithZone("")] = i
		}
		trk := newTracker(a.Is6(), cfg.Timeout)
		if cfg.Count == UntilStopped || cfg.CountAnswers {
			// A run without an end keeps only the last probes.
			trk.keep = keepFor(cfg.Interval, cfg.Timeout)
		}
		e.trk = append(e.trk, trk)
	}
	e.dst = make([]netip.Addr, len(e.targets))
	defer e.closeConns()
	for f := range 2 {
		if !need[f] {
			continue
		}
		cc := ConnConfig{IPv6: f == 1, Mode: cfg.Mode, Interface: cfg.Interface}
		if cfg.Source.IsValid() {
			cc.Source = cfg.Source.Unmap()
		}
		c, err := listen(ctx, cc)
		if err != nil {
			return nil, err
		}
		e.conns[f] = c
		if cfg.Interval < MinUserInterval && !c.Raw() {
			return nil, &ConfigError{Field: "Interval", Value: cfg.Interval, Err: ErrInterval,
				Reason: fmt.Sprintf("an interval below %v needs a raw socket: CAP_NET_RAW (run as root or `setcap cap_net_raw+ep $(which netdx)`)", MinUserInterval)}
		}
		e.exp[f] = icmpmsg.Expect{V6: f == 1, ID: c.ID(), Datagram: !c.Raw(), Token: e.token, Size: cfg.Size}
	}
	for i, t := range e.targets {
		var err error
		if e.dst[i], err = sendAddr(e.conns[fam(t.Addr)], t.Addr); err != nil {
			return nil, err
		}
	}
	if cfg.OnReady != nil {
		cfg.OnReady()
	}
	return e.loop(ctx), nil
}

// sendAddr is a as WriteTo takes it: a zone becomes the index of the
// interface it names, looked up once on the socket (in its namespace). An
// unknown zone is an error naming it.
func sendAddr(c conn, a netip.Addr) (netip.Addr, error) {
	z := a.Zone()
	if z == "" {
		return a, nil
	}
	i, err := c.ZoneIndex(z)
	if err != nil {
		return a, fmt.Errorf("%w (target %s)", err, a)
	}
	return a.WithZone(strconv.Itoa(i)), nil
}

func fam(a netip.Addr) int {
	if a.Is6() {
		return 1
	}
	return 0
}

// engine is one run's state; only its loop goroutine touches it.
type engine struct {
	cfg     Config
	targets []Target
	trk     []*tracker
	byAddr  map[netip.Addr]int
	dst     []netip.Addr // targets' addresses to send to (zones as interface indexes)
	token   icmpmsg.Token
	conns   [2]conn
	exp     [2]icmpmsg.Expect
	sendQ   sendHeap
	toQ     timeoutHeap
	lim     limiter
	end     time.Time // the Deadline's moment; zero without one
}

// inbound is a packet (or the read error that ended a reader) for the loop.
type inbound struct {
	fam int
	pkt Packet
	err error
}

// pending reports whether the socket of family f holds something unread
// (a family without a socket holds nothing).
func (e *engine) pending(f int) bool { return e.conns[f] != nil && e.conns[f].Pending() }

func (e *engine) closeConns() {
	for i, c := range e.conns {
		if c != nil {
			c.Close()
			e.conns[i] = nil
		}
	}
}

func (e *engine) loop(ctx context.Context) []Result {
	in := make(chan inbound, 4096)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for f, c := range e.conns {
		if c != nil {
			wg.Add(1)
			go read(c, f, readSize(e.cfg.Size), in, done, &wg)
		}
	}
	defer func() {
		close(done)
		e.closeConns()
		wg.Wait()
	}()

	start := time.Now()
	e.lim.next = start
	for i := range e.targets {
		heap.Push(&e.sendQ, sendItem{due: start, target: i})
	}
	var deadline <-chan time.Time
	if e.cfg.Deadline > 0 {
		e.end = start.Add(e.cfg.Deadline)
		dt := time.NewTimer(e.cfg.Deadline)
		defer dt.Stop()
		deadline = dt.C
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		e.sendDue(now)
		e.drain(in)
		e.expireDue(time.Now())
		if e.finished() {
			break
		}
		timer.Reset(e.wake(time.Now()))
		select {
		case m := <-in:
			e.handle(m)
		case <-timer.C:
		case <-deadline:
			// What arrived in time counts, however late the readers run.
			Settle(in, e.handle, len(e.conns), e.pending, func(m inbound) (int, time.Time) { return m.fam, m.pkt.At }, time.Now())
			return e.results()
		case <-ctx.Done():
			e.drain(in)
			return e.results()
		}
	}
	return e.results()
}

// readSize is the read buffer for echo requests of payload bytes: their
// replies with the largest IPv4 header, and never less than the IPv6
// minimum MTU, the bound of any ICMP error (RFC 1812 keeps IPv4's to 576
// bytes, RFC 4443 IPv6's to 1280). A larger packet is read truncated and
// refused (ErrMalformed), not parsed in part.
func readSize(payload int) int {
	return max(2048, 60+8+payload)
}

// read hands c's packets to the loop until c is closed, in buffers of size
// bytes.
func read(c conn, f, size int, out chan<- inbound, done <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	buf := make([]byte, size)
	for {
		p, err := c.ReadPacket(buf)
		if errors.Is(err, ErrMalformed) {
			continue
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case out <- inbound{fam: f, err: err}:
			case <-done:
			}
			return
		}
		p.Data = bytes.Clone(p.Data)
		select {
		case out <- inbound{fam: f, pkt: p}:
		case <-done:
			return
		}
	}
}

// drain handles the packets already waiting, so that none is judged late
// only because the loop looked at its timeout first.
func (e *engine) drain(in <-chan inbound) {
	for {
		select {
		case m := <-in:
			e.handle(m)
		default:
			return
		}
	}
}

// wake is how long the loop may sleep: until the next send or timeout.
func (e *engine) wake(now time.Time) time.Duration {
	next := now.Add(time.Hour)
	if len(e.sendQ) > 0 {
		due := e.sendQ[0].due
		if r := e.lim.ready(); r.After(due) {
			due = r
		}
		if due.Before(next) {
			next = due
		}
	}
	if len(e.toQ) > 0 && e.toQ[0].at.Before(next) {
		next = e.toQ[0].at
	}
	return max(next.Sub(now), 0)
}

func (e *engine) finished() bool {
	for _, it := range e.sendQ {
		if !e.counted(it.target) {
			return false
		}
	}
	for _, t := range e.trk {
		if t.pending > 0 {
			return false
		}
	}
	return true
}

// sendDue sends every request that is due and allowed by the rate.
func (e *engine) sendDue(now time.Time) {
	for len(e.sendQ) > 0 {
		it := e.sendQ[0]
		if it.due.After(now) || e.lim.ready().After(now) {
			return
		}
		heap.Pop(&e.sendQ)
		if e.counted(it.target) {
			continue // its answers came while the request waited
		}
		e.send(it.target)
		e.lim.take(now)
		next := it.due.Add(e.cfg.Interval)
		if !e.counted(it.target) && (e.end.IsZero() || next.Before(e.end)) {
			// iputils sends nothing due at the deadline or after it: its
			// answer could not count.
			heap.Push(&e.sendQ, sendItem{due: next, target: it.target})
		}
		now = time.Now()
	}
}

// counted reports whether target i has had its Count: of requests sent,
// or with CountAnswers, of answers.
func (e *engine) counted(i int) bool {
	t := e.trk[i]
	if e.cfg.CountAnswers {
		return t.answers() >= e.cfg.Count
	}
	return t.total() >= e.cfg.Count
}

func (e *engine) send(i int) {
	t, trk := e.targets[i], e.trk[i]
	f := fam(t.Addr)
	seq := wireSeq(trk.total())
	sentNS := time.Now().UnixNano()
	b := Echo{V6: f == 1, ID: e.exp[f].ID, Seq: seq, Token: e.token, Target: i, SentNS: sentNS, Size: e.cfg.Size}.Marshal()
	opts := WriteOptions{TTL: e.cfg.TTL, TOS: e.cfg.TOS, DontFragment: e.cfg.DontFragment, AllowFragment: e.cfg.AllowFragment,
		ProbeMTU: e.cfg.ProbeMTU}
	at, err := e.conns[f].WriteTo(b, e.dst[i], opts)
	if err != nil {
		trk.sendFailed(at)
		e.emit(Event{Kind: EventSendError, Target: i, Seq: seq, Reason: err.Error()})
		return
	}
	n := trk.sent(at, sentNS)
	heap.Push(&e.toQ, timeoutItem{at: at.Add(e.cfg.Timeout), target: i, n: n})
}

func (e *engine) expireDue(now time.Time) {
	for len(e.toQ) > 0 && !e.toQ[0].at.After(now) {
		it := heap.Pop(&e.toQ).(timeoutItem)
		trk := e.trk[it.target]
		switch expired, claim := trk.expire(it.n); {
		case claim != nil:
			// An unverified error nothing contradicted: it stands.
			e.emit(Event{Kind: EventError, Target: it.target, Seq: wireSeq(it.n), From: claim.from, ErrType: claim.typ, ErrCode: claim.code,
				Sent: trk.total(), Received: trk.received, AvgRTT: trk.avg()})
		case expired:
			e.emit(Event{Kind: EventTimeout, Target: it.target, Seq: wireSeq(it.n),
				Sent: trk.total(), Received: trk.received, AvgRTT: trk.avg()})
		}
	}
}

func (e *engine) emit(ev Event) {
	if e.cfg.OnEvent != nil {
		if ev.Target >= 0 && ev.Target < len(e.trk) {
			ev.Rejected = e.trk[ev.Target].rejected
		}
		e.cfg.OnEvent(ev)
	}
}

func (e *engine) results() []Result {
	out := make([]Result, len(e.targets))
	for i, t := range e.targets {
		out[i] = e.trk[i].result(t)
		if c := e.conns[fam(t.Addr)]; c != nil {
			out[i].Socket = map[bool]string{true: "raw", false: "datagram"}[c.Raw()]
		}
	}
	return out
}
