package probe

import "time"

// sendItem is a target's next echo request, due at due.
type sendItem struct {
	due    time.Time
	target int
}

// sendHeap orders the next requests of all targets by due time.
type sendHeap []sendItem

func (h sendHeap) Len() int { return len(h) }
func (h sendHeap) Less(i, j int) bool {
	if h[i].due.Equal(h[j].due) {
		return h[i].target < h[j].target
	}
	return h[i].due.Before(h[j].due)
}
func (h sendHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *sendHeap) Push(x any)   { *h = append(*h, x.(sendItem)) }
func (h *sendHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// timeoutItem is the moment probe n of a target stops waiting.
type timeoutItem struct {
	at     time.Time
	target int
	n      int
}

// timeoutHeap orders the pending probes by when they time out.
type timeoutHeap []timeoutItem

func (h timeoutHeap) Len() int           { return len(h) }
func (h timeoutHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timeoutHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timeoutHeap) Push(x any)        { *h = append(*h, x.(timeoutItem)) }
func (h *timeoutHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// limiter spaces sends at most rate a second across a run. After a stall
// it lets a short burst catch up, never more than burst packets.
type limiter struct {
	gap   time.Duration
	next  time.Time
	burst int
}

func newLimiter(rate float64) limiter {
	gap := time.Duration(float64(time.Second) / rate)
	return limiter{gap: gap, burst: 10}
}

// ready is when the next send is allowed.
func (l *limiter) ready() time.Time { return l.next }

// take records a send at now.
func (l *limiter) take(now time.Time) {
	floor := now.Add(-time.Duration(l.burst) * l.gap)
	if l.next.Before(floor) {
		l.next = floor
	}
	l.next = l.next.Add(l.gap)
}
