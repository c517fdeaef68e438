package trace

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Names looks up the names of hop addresses in the background, each once,
// so that reverse DNS never delays probing: Prefetch starts a lookup as
// soon as an address answers, Name waits a bounded time for its result.
// The zero value uses the system resolver with a 1 s timeout. Safe for
// concurrent use; Close cancels the lookups still running and waits for
// them.
type Names struct {
	Resolver *net.Resolver
	Timeout  time.Duration

	mu     sync.Mutex
	m      map[netip.Addr]*nameEntry
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type nameEntry struct {
	done chan struct{}
	name string
}

// MaxNames bounds the addresses Names looks up: answers' sources are what
// the network says, and a report's rounds could bring new ones forever.
// Past it, addresses stay numeric.
const MaxNames = 1024

// noName is the entry of an address past MaxNames: no name, at once.
var noName = func() *nameEntry {
	e := &nameEntry{done: make(chan struct{})}
	close(e.done)
	return e
}()

// Prefetch starts looking up a's name unless that is done or under way.
func (n *Names) Prefetch(a netip.Addr) { n.entry(a) }

func (n *Names) entry(a netip.Addr) *nameEntry {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[netip.Addr]*nameEntry{}
		n.ctx, n.cancel = context.WithCancel(context.Background())
	}
	if e := n.m[a]; e != nil {
		return e
	}
	if len(n.m) >= MaxNames {
		return noName
	}
	e := &nameEntry{done: make(chan struct{})}
	n.m[a] = e
	r, timeout := n.Resolver, n.Timeout
	if r == nil {
		r = net.DefaultResolver
	}
	if timeout <= 0 {
		timeout = time.Second
	}
	ctx, cancel := context.WithTimeout(n.ctx, timeout)
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer cancel()
		defer close(e.done)
		if names, err := r.LookupAddr(ctx, a.String()); err == nil && len(names) > 0 {
			e.name = strings.TrimSuffix(names[0], ".")
		}
	}()
	return e
}

// Name returns a's name, waiting at most wait for a lookup under way; ""
// when it has none (yet).
func (n *Names) Name(a netip.Addr, wait time.Duration) string {
	e := n.entry(a)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-e.done:
		return e.name
	case <-t.C:
		return ""
	}
}

// Close cancels the lookups under way and waits for them.
func (n *Names) Close() {
	n.mu.Lock()
	if n.cancel != nil {
		n.cancel()
	}
	n.mu.Unlock()
	n.wg.Wait()
}
