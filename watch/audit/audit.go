package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"netdx/internal/namespace"
	"netdx/sockets"
	"netdx/watch/record"
)

// Config says what to audit. The zero value audits the caller's network
// namespace every 10 s.
type Config struct {
	// NetNS is the path of a network namespace (/run/netns/NAME,
	// /proc/PID/ns/net); empty means the caller's.
	NetNS string
	// Proc is where /proc is mounted, for the owners; empty means /proc.
	Proc string
	// Interval is how often the socket table is read (--interval); 0
	// means 10 s. Connections closed in between come from the kernel's
	// destroy notifications.
	Interval time.Duration
	// MaxTracked bounds the sockets and listeners remembered; 0 means
	// 65536.
	MaxTracked int
	// MaxPending bounds the closed connections on unknown ports waiting
	// for the next read of the table; 0 means 4096.
	MaxPending int
	// Expiry is how long a closed socket is remembered (so that a read of
	// the table racing its notification does not report it twice); 0
	// means two intervals.
	Expiry time.Duration
	// Logger receives the audit's log lines; nil means slog.Default().
	Logger *slog.Logger
}

// Stats counts what the audit did.
type Stats struct {
	Polls          uint64 `json:"polls"`
	PollErrors     uint64 `json:"poll_errors"`
	Feed           bool   `json:"feed"`          // destroy notifications are read
	Notifications  uint64 `json:"notifications"` // destroyed sockets read
	Overruns       uint64 `json:"overruns"`      // times the kernel dropped notifications
	Rejected       uint64 `json:"rejected"`      // notifications that did not parse
	Listeners      uint64 `json:"listeners"`     // listener records
	Connections    uint64 `json:"connections"`   // connection records, closed ones included
	Closed         uint64 `json:"closed"`        // connections seen only closed
	Evicted        uint64 `json:"evicted"`       // forgotten for the bound
	PendingDropped uint64 `json:"pending_dropped"`
	Tracked        int    `json:"tracked"`
}

// Auditor records new TCP listeners and inbound connections.
type Auditor struct {
	cfg Config
	log *slog.Logger

	mu    sync.Mutex
	stats Stats
}

// New checks cfg and returns an auditor.
func New(cfg Config) (*Auditor, error) {
	if cfg.Interval < 0 || cfg.MaxTracked < 0 || cfg.MaxPending < 0 || cfg.Expiry < 0 {
		return nil, errors.New("audit: negative interval, bound or expiry")
	}
	cfg.Interval = cmp.Or(cfg.Interval, 10*time.Second)
	cfg.MaxTracked = cmp.Or(cfg.MaxTracked, 65536)
	cfg.MaxPending = cmp.Or(cfg.MaxPending, 4096)
	cfg.Expiry = cmp.Or(cfg.Expiry, 2*cfg.Interval)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Auditor{cfg: cfg, log: cfg.Logger}, nil
}

// connStates are the states of an established connection, listeners
// aside; SYN_RECV is left out (a request, not yet a connection: its
// socket and cookie change when the handshake completes).
var connStates = []string{"LISTEN", "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT1", "FIN_WAIT2", "LAST_ACK", "CLOSING"}

// Run audits until ctx ends, calling emit with each record (Time, Kind
// and Audit set; the watch stamps Host). The first read of the table is a
// baseline: what exists already is remembered, not recorded. Run returns
// ctx's error, or the error of that first read.
func (a *Auditor) Run(ctx context.Context, emit func(record.Record)) error {
	t := newTracker(a.cfg.MaxTracked, a.cfg.MaxPending, a.cfg.Expiry, a.ephemeralRange())
	events := make(chan feedEvent, 16)
	var wg sync.WaitGroup
	feed, err := sockets.OpenDestroyFeed(a.cfg.NetNS)
	if err != nil {
		a.log.Warn("audit: connections that open and close between two reads of the socket table will be missed",
			"error", err)
	} else {
		a.count(func(s *Stats) { s.Feed = true })
		stop := make(chan struct{})
		wg.Add(1)
		go readFeed(feed, events, stop, &wg)
		defer func() {
			close(stop)
			feed.Close()
			wg.Wait()
		}()
	}
	if err := a.poll(ctx, t, true, emit); err != nil {
		return err
	}
	tick := time.NewTicker(a.cfg.Interval)
	defer tick.Stop()
	overrunLog := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if err := a.poll(ctx, t, false, emit); err != nil && ctx.Err() == nil {
				a.log.Warn("audit: reading the socket table failed", "error", err)
			}
		case ev := <-events:
			switch {
			case errors.Is(ev.err, sockets.ErrOverrun):
				a.count(func(s *Stats) { s.Overruns++ })
				if time.Since(overrunLog) > time.Minute {
					a.log.Warn("audit: the kernel dropped destroy notifications; short-lived connections may be missed", "overruns", a.Stats().Overruns)
					overrunLog = time.Now()
				}
				a.poll(ctx, t, false, emit) // catch what is still open
			case ev.err != nil:
				a.count(func(s *Stats) { s.Rejected++ })
			}
			now := time.Now()
			for _, e := range ev.entries {
				if t.destroyed(now, e) {
					l := t.listenerFor(e)
					emit(connection(now, e, l.owner, true))
					a.count(func(s *Stats) { s.Connections++; s.Closed++ })
				}
				// Counted once handled, so that a reader of Stats knows
				// what it counts has been emitted.
				a.count(func(s *Stats) { s.Notifications++ })
			}
			a.syncStats(t)
		}
	}
}

type feedEvent struct {
	entries []sockets.Entry
	err     error
}

// readFeed hands the notifications to Run until stop is closed (and the
// feed with it).
func readFeed(feed *sockets.DestroyFeed, out chan<- feedEvent, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		es, err := feed.Read()
		if errors.Is(err, os.ErrClosed) {
			return
		}
		select {
		case out <- feedEvent{es, err}:
		case <-stop:
			return
		}
	}
}

// poll reads the table and records what is new.
func (a *Auditor) poll(ctx context.Context, t *tracker, baseline bool, emit func(record.Record)) error {
	entries, err := sockets.DumpTCP(ctx, a.cfg.NetNS, connStates)
	if err != nil && !errors.Is(err, sockets.ErrDumpInterrupted) {
		a.count(func(s *Stats) { s.PollErrors++ })
		return fmt.Errorf("audit: %w", err)
	}
	now := time.Now()
	f := t.poll(now, entries, baseline)
	a.count(func(s *Stats) { s.Polls++ })
	// One owner scan for the new connections and listeners (each
	// listener's owner is looked up once).
	want := map[uint32]struct{}{}
	for _, l := range t.allListeners() {
		if !l.looked && l.entry.Inode != 0 {
			want[l.entry.Inode] = struct{}{}
		}
	}
	for _, e := range f.conns {
		if e.Inode != 0 {
			want[e.Inode] = struct{}{}
		}
	}
	var owners map[uint32][]sockets.Owner
	if len(want) > 0 {
		owners, _, err = sockets.FindOwners(a.cfg.Proc, want)
		if err != nil {
			a.log.Warn("audit: owner scan failed", "error", err)
		}
	}
	first := func(ino uint32) sockets.Owner {
		if o := owners[ino]; len(o) > 0 {
			return o[0]
		}
		return sockets.Owner{}
	}
	for _, l := range t.allListeners() {
		if !l.looked {
			l.owner, l.looked = first(l.entry.Inode), true
		}
	}
	sortEntries(f.listeners)
	for _, e := range f.listeners {
		emit(listenerRecord(now, e, first(e.Inode)))
		a.count(func(s *Stats) { s.Listeners++ })
	}
	sortEntries(f.conns)
	for _, e := range f.conns {
		o := first(e.Inode)
		if o.PID == 0 { // not accepted yet: the listener's process will
			o = t.listenerFor(e).owner
		}
		emit(connection(now, e, o, false))
		a.count(func(s *Stats) { s.Connections++ })
	}
	for _, e := range f.closed {
		emit(connection(now, e, t.listenerFor(e).owner, true))
		a.count(func(s *Stats) { s.Connections++; s.Closed++ })
	}
	a.syncStats(t)
	return nil
}

func sortEntries(es []sockets.Entry) {
	slices.SortFunc(es, func(a, b sockets.Entry) int {
		return cmp.Or(a.Local.Compare(b.Local), a.Remote.Compare(b.Remote))
	})
}

// ephemeralRange reads the namespace's ip_local_port_range: the local
// ports of outbound connections.
func (a *Auditor) ephemeralRange() [2]uint16 {
	var r [2]uint16
	_ = namespace.Do(a.cfg.NetNS, func() error {
		b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
		if err != nil {
			return err
		}
		f := strings.Fields(string(b))
		if len(f) == 2 {
			lo, err1 := strconv.ParseUint(f[0], 10, 16)
			hi, err2 := strconv.ParseUint(f[1], 10, 16)
			if err1 == nil && err2 == nil && lo <= hi {
				r = [2]uint16{uint16(lo), uint16(hi)}
			}
		}
		return nil
	})
	return r
}

func (a *Auditor) count(f func(*Stats)) {
	a.mu.Lock()
	f(&a.stats)
	a.mu.Unlock()
}

func (a *Auditor) syncStats(t *tracker) {
	a.count(func(s *Stats) {
		s.Evicted, s.PendingDropped, s.Tracked = t.evicted, t.pendingDropped, len(t.seen)
	})
}

// Stats returns the audit's counters.
func (a *Auditor) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}
