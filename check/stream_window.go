package check

import (
	"time"

	"netdx/diagnose"
	"netdx/trace"
)

// ring is a FIFO of at most size values: pushing onto a full ring drops
// the oldest. Its array grows with what it holds, up to size.
type ring[T any] struct {
	size int
	buf  []T
	head int // index of the oldest value once the ring is full
}

func (r *ring[T]) len() int { return len(r.buf) }

func (r *ring[T]) push(v T) {
	if len(r.buf) < r.size {
		r.buf = append(r.buf, v)
		return
	}
	r.buf[r.head] = v
	r.head = (r.head + 1) % len(r.buf)
}

// at is the i-th oldest value.
func (r *ring[T]) at(i int) *T { return &r.buf[(r.head+i)%len(r.buf)] }

// appendTo appends the values to dst, oldest first.
func (r *ring[T]) appendTo(dst []T) []T {
	dst = append(dst, r.buf[r.head:]...)
	return append(dst, r.buf[:r.head]...)
}

func (r *ring[T]) reset() {
	clear(r.buf)
	r.buf, r.head = r.buf[:0], 0
}

// echoOutcome is what became of one echo request: a reply with its RTT,
// or none in time (a timeout, an ICMP error, a failed send).
type echoOutcome struct {
	rtt      time.Duration
	received bool
}

// recentSeqs is how many of the last decided echo requests are
// remembered by sequence number, so that a second word about one of them
// (an ICMP error after its timeout, a reply stamped in time but read after
// it) corrects the first instead of counting another request.
const recentSeqs = 1024

// window is a stream's evidence: the last rounds and the outcomes of the
// last echo requests, with how many of each there were since the start or
// the last reset. It is not safe for concurrent use (Stream locks it).
type window struct {
	rounds       ring[trace.Result]
	echo         ring[echoOutcome]
	nRounds      int
	nEcho        int
	recent       map[int]int // wire sequence → index of its outcome (counted in nEcho)
	recentOrder  [recentSeqs]int
	recentNext   int
	echoInterval time.Duration
}

func newWindow(cfg StreamConfig) window {
	w := window{rounds: ring[trace.Result]{size: cfg.Window}, echoInterval: cfg.EchoInterval, recent: map[int]int{}}
	if !cfg.NoEcho {
		w.echo = ring[echoOutcome]{size: cfg.EchoWindow}
	}
	return w
}

func (w *window) addRound(r trace.Result) {
	w.rounds.push(r)
	w.nRounds++
}

// addEcho records the outcome of the echo request with wire sequence
// seq. An outcome already recorded for seq stands, except that a reply
// overrides a loss: the reply was stamped in time.
func (w *window) addEcho(seq int, o echoOutcome) {
	if i, ok := w.recent[seq]; ok {
		if o.received && i >= w.nEcho-w.echo.len() {
			if prev := w.echo.at(i - (w.nEcho - w.echo.len())); !prev.received {
				*prev = o
			}
		}
		return
	}
	if w.echo.size == 0 {
		return
	}
	if old := w.recentOrder[w.recentNext]; len(w.recent) == recentSeqs {
		delete(w.recent, old)
	}
	w.recent[seq] = w.nEcho
	w.recentOrder[w.recentNext] = seq
	w.recentNext = (w.recentNext + 1) % recentSeqs
	w.echo.push(o)
	w.nEcho++
}

func (w *window) reset() {
	w.rounds.reset()
	w.echo.reset()
	w.nRounds, w.nEcho, w.recentNext = 0, 0, 0
	clear(w.recent)
}

// evidence copies the window into a snapshot the caller owns. The rounds
// share their hops with the window: a completed round is never changed.
func (w *window) snapshot(t Target, protocol trace.Protocol) Snapshot {
	s := Snapshot{Rounds: w.nRounds, Echoes: w.nEcho,
		Evidence: diagnose.PathEvidence{Target: t.Name, Addr: t.Addr, Protocol: protocol,
			Rounds: w.rounds.appendTo(make([]trace.Result, 0, w.rounds.len()))}}
	if w.echo.size == 0 {
		return s
	}
	e := &diagnose.Echo{Sent: w.echo.len(), Interval: w.echoInterval}
	for i := range w.echo.len() {
		if o := w.echo.at(i); o.received {
			e.Received++
			e.RTTs = append(e.RTTs, o.rtt)
		}
	}
	s.Evidence.Echo = e
	return s
}
