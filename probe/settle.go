package probe

import "time"

// settleFor bounds how long Settle waits for readers that are behind: far
// longer than a busy machine keeps a runnable thread waiting (a loaded
// 2-core machine kept one 86 ms), and spent only while a reader has not
// caught up.
const settleFor = time.Second

// Settle hands handle every answer the sockets held at now, before a run
// decides what did not come (a probe times out, the run ends): after a
// stall (the process descheduled on a busy machine) the reader goroutines
// may not have read what arrived in time. It takes what arrives on in
// until every reader has caught up — its socket holds nothing (pending
// false) or it handed an answer that arrived after now (it reads its
// socket in order; from says which reader and when) — or settleFor has
// passed. Readers are numbered 0 <= i < readers.
func Settle[T any](in <-chan T, handle func(T), readers int, pending func(i int) bool, from func(T) (reader int, at time.Time), now time.Time) {
	behind := make(map[int]bool, readers)
	for i := range readers {
		behind[i] = true
	}
	take := func(m T) {
		handle(m)
		if i, at := from(m); at.After(now) {
			delete(behind, i)
		}
	}
	var guard <-chan time.Time
	for {
		select {
		case m := <-in:
			take(m)
			continue
		default:
		}
		for i := range behind {
			if !pending(i) {
				delete(behind, i)
			}
		}
		if len(behind) == 0 {
			return
		}
		if guard == nil {
			t := time.NewTimer(settleFor)
			defer t.Stop()
			guard = t.C
		}
		select {
		case m := <-in:
			take(m)
		case <-guard:
			return
		}
	}
}
