package audit

import (
	"net/netip"
	"slices"
	"time"

	"netdx/sockets"
)

// tracker is the audit's memory: which sockets it has seen (by cookie),
// the listeners (by port), and destroyed sockets waiting for the next poll
// to say whether they were inbound. It decides; it does no I/O. Every
// structure is bounded: seen and the listeners by maxTracked (closed
// sockets expire first, then the oldest are evicted; listeners beyond the
// bound are not tracked), pending by maxPending (oldest dropped).
type tracker struct {
	maxTracked, maxPending int
	expiry                 time.Duration
	ephemeral              [2]uint16 // ip_local_port_range: local ports of outbound connections

	seen       map[uint64]*tracked
	order      []uint64 // cookies in insertion order, for eviction; may hold deleted ones
	listeners  map[uint16][]*listener
	nlisteners int
	pending    []sockets.Entry

	evicted, pendingDropped uint64
}

type tracked struct {
	goneAt time.Time // zero while the socket exists
}

// listener is a listening socket and its owner.
type listener struct {
	entry  sockets.Entry
	owner  sockets.Owner
	looked bool      // the owner was looked for
	goneAt time.Time // zero while listening
}

func newTracker(maxTracked, maxPending int, expiry time.Duration, ephemeral [2]uint16) *tracker {
	return &tracker{maxTracked: maxTracked, maxPending: maxPending, expiry: expiry, ephemeral: ephemeral,
		seen: map[uint64]*tracked{}, listeners: map[uint16][]*listener{}}
}

// found is what a poll found new: listeners and inbound connections still
// open, and destroyed inbound connections it could now classify.
type found struct {
	listeners, conns, closed []sockets.Entry
}

// poll takes a dump of listeners and connections. With baseline set
// (the first poll) everything is remembered and nothing reported.
func (t *tracker) poll(now time.Time, entries []sockets.Entry, baseline bool) found {
	var f found
	present := make(map[uint64]bool, len(entries))
	for _, e := range entries {
		present[e.Cookie] = true
		if e.State == "LISTEN" {
			t.listen(e)
		}
	}
	for _, l := range t.allListeners() {
		if l.goneAt.IsZero() && !present[l.entry.Cookie] {
			l.goneAt = now
		}
	}
	for _, e := range entries {
		if _, ok := t.seen[e.Cookie]; ok {
			continue
		}
		switch {
		case e.State == "LISTEN":
			f.listeners = append(f.listeners, e)
		case t.inbound(e):
			f.conns = append(f.conns, e)
		default:
			continue // outbound: not audited, not remembered
		}
		t.remember(e.Cookie, time.Time{})
	}
	for cookie, s := range t.seen {
		if s.goneAt.IsZero() && !present[cookie] {
			s.goneAt = now // closed without a notification reaching us
		}
	}
	for _, e := range t.pending {
		if _, ok := t.seen[e.Cookie]; !ok && t.inbound(e) {
			f.closed = append(f.closed, e)
			t.remember(e.Cookie, now)
		}
	}
	t.pending = nil
	t.expire(now)
	if baseline {
		return found{}
	}
	return f
}

// destroyed takes a destroy notification. It reports whether e is an
// inbound connection seen for the first time, to be recorded now; a
// socket on a port with no known listener waits for the next poll.
func (t *tracker) destroyed(now time.Time, e sockets.Entry) bool {
	if s, ok := t.seen[e.Cookie]; ok {
		if s.goneAt.IsZero() {
			s.goneAt = now
		}
		for _, l := range t.listeners[e.Local.Port()] {
			if l.entry.Cookie == e.Cookie && l.goneAt.IsZero() {
				l.goneAt = now
			}
		}
		return false
	}
	if e.Remote.Port() == 0 || e.Local.Port() == 0 {
		return false // never connected: bound and closed, or a listener we did not see
	}
	if t.inbound(e) {
		t.remember(e.Cookie, now)
		return true
	}
	if t.isEphemeral(e.Local.Port()) {
		return false // an outbound connection
	}
	if len(t.pending) >= t.maxPending {
		t.pending = t.pending[1:]
		t.pendingDropped++
	}
	t.pending = append(t.pending, e)
	return false
}

// listenerFor returns the listener that accepted connection e: same port,
// and the same address or a wildcard one; one still listening if there is
// one, else the one that closed last.
func (t *tracker) listenerFor(e sockets.Entry) *listener {
	ea := e.Local.Addr().Unmap()
	var gone *listener
	for _, l := range t.listeners[e.Local.Port()] {
		la := l.entry.Local.Addr().Unmap()
		if la != ea && !(la.IsUnspecified() && (la.Is6() || ea.Is4())) {
			continue
		}
		if l.goneAt.IsZero() {
			return l
		}
		if gone == nil || l.goneAt.After(gone.goneAt) {
			gone = l
		}
	}
	return gone
}

func (t *tracker) inbound(e sockets.Entry) bool {
	return e.State != "LISTEN" && e.Remote.Port() != 0 && t.listenerFor(e) != nil
}

func (t *tracker) isEphemeral(port uint16) bool {
	return t.ephemeral[0] != 0 && port >= t.ephemeral[0] && port <= t.ephemeral[1]
}

// listen adds or refreshes a listener.
func (t *tracker) listen(e sockets.Entry) {
	for _, l := range t.listeners[e.Local.Port()] {
		if l.entry.Cookie == e.Cookie {
			l.goneAt = time.Time{}
			return
		}
	}
	if t.nlisteners >= t.maxTracked {
		t.evicted++
		return
	}
	t.listeners[e.Local.Port()] = append(t.listeners[e.Local.Port()], &listener{entry: e})
	t.nlisteners++
}

func (t *tracker) allListeners() []*listener {
	var out []*listener
	for _, ls := range t.listeners {
		out = append(out, ls...)
	}
	return out
}

func (t *tracker) remember(cookie uint64, goneAt time.Time) {
	t.seen[cookie] = &tracked{goneAt: goneAt}
	t.order = append(t.order, cookie)
	for len(t.seen) > t.maxTracked {
		t.evictOldest()
	}
}

// evictOldest forgets the oldest remembered socket, closed ones first in
// practice since expire runs every poll.
func (t *tracker) evictOldest() {
	for len(t.order) > 0 {
		c := t.order[0]
		t.order = t.order[1:]
		if _, ok := t.seen[c]; ok {
			delete(t.seen, c)
			t.evicted++
			return
		}
	}
}

// expire forgets sockets and listeners gone for longer than expiry.
func (t *tracker) expire(now time.Time) {
	for c, s := range t.seen {
		if !s.goneAt.IsZero() && now.Sub(s.goneAt) > t.expiry {
			delete(t.seen, c)
		}
	}
	if len(t.order) > 2*len(t.seen)+64 {
		t.order = slices.DeleteFunc(t.order, func(c uint64) bool { _, ok := t.seen[c]; return !ok })
	}
	for port, ls := range t.listeners {
		n := len(ls)
		ls = slices.DeleteFunc(ls, func(l *listener) bool { return !l.goneAt.IsZero() && now.Sub(l.goneAt) > t.expiry })
		t.nlisteners -= n - len(ls)
		if len(ls) == 0 {
			delete(t.listeners, port)
		} else {
			t.listeners[port] = ls
		}
	}
}

// unmapped writes an address as people read it: IPv4-mapped IPv6
// addresses of dual-stack sockets as IPv4.
func unmapped(ap netip.AddrPort) string {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}
