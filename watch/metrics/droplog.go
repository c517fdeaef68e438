package metrics

import (
	"log/slog"
	"sync"
	"time"
)

// dropLog logs the requests /probe drops, at most one line per reason and
// interval (a scraper retrying at full speed, or someone scanning the
// port, cannot fill the log); the next line of a reason says how many
// were left out before it.
type dropLog struct {
	out   *slog.Logger
	every time.Duration

	mu   sync.Mutex
	next map[string]time.Time // when a reason may be logged again
	held map[string]int       // drops not logged since the last line
}

func newDropLog(out *slog.Logger, every time.Duration) *dropLog {
	return &dropLog{out: out, every: every, next: map[string]time.Time{}, held: map[string]int{}}
}

// log logs a drop for reason, or counts it when the reason was logged
// within the interval.
func (d *dropLog) log(reason string, args ...any) {
	now := time.Now()
	d.mu.Lock()
	if now.Before(d.next[reason]) {
		d.held[reason]++
		d.mu.Unlock()
		return
	}
	held := d.held[reason]
	d.next[reason], d.held[reason] = now.Add(d.every), 0
	d.mu.Unlock()
	if held > 0 {
		args = append(args, "dropped_unlogged", held)
	}
	d.out.Warn("metrics: /probe request dropped: "+reason, args...)
}
