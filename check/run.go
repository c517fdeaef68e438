package check

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"netdx/diagnose"
	"netdx/sockets"
)

// Target is one destination of path checks: a name for humans and the
// address resolved once, up front.
type Target struct {
	Name string
	Addr netip.Addr
}

// Sources are the engines a diagnosis reads. Each may be nil to skip its
// checks; tests pass fixtures.
type Sources struct {
	Link    func(ctx context.Context) (diagnose.LinkEvidence, error)
	Sockets func(ctx context.Context) (sockets.Table, error)
	// Path checks the path to one target.
	Path func(ctx context.Context, t Target) (diagnose.PathEvidence, error)
}

// Run reads the host through src (interfaces and sockets) and the path to
// each target, all at once, and applies diagnose's rules. A source that
// fails is recorded in the report's checks and makes the status "unknown"
// unless something worse was found; the other checks still run. A setting
// an engine refuses only once it runs (an unprivileged echo interval below
// 2 ms: any engine's configuration error) is bad input, not a failed
// check: Run returns the first such refusal with the report.
func Run(ctx context.Context, cfg diagnose.Config, src Sources, targets []Target) (diagnose.Report, error) {
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		ev      = diagnose.Evidence{Host: src.Link != nil || src.Sockets != nil}
		refused error
	)
	record := func(c diagnose.Check, err error) {
		mu.Lock()
		defer mu.Unlock()
		if refused == nil && isRefusal(err) {
			refused = err
		}
		if ctx.Err() != nil {
			// Interrupted: what the engine measured so far is the
			// evidence, and the rules judge its sample as it is.
			c.Summary += " (interrupted)"
			if errors.Is(err, ctx.Err()) {
				err = nil
			}
		}
		c.OK = err == nil
		if err != nil {
			c.Error = err.Error()
		}
		ev.Checks = append(ev.Checks, c)
	}
	paths := make([]*diagnose.PathEvidence, len(targets))
	if src.Path != nil {
		for i, t := range targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := src.Path(ctx, t)
				p.Target = t.Name
				c := diagnose.Check{Name: "path", Target: t.Name}
				if len(p.Rounds) > 0 || p.Echo != nil {
					paths[i] = &p
					c.Summary = diagnose.PathSummary(p)
				}
				record(c, err)
			}()
		}
	}
	if src.Link != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := src.Link(ctx)
			ev.Link = s
			record(diagnose.Check{Name: "link", Summary: diagnose.LinkSummary(s)}, err)
		}()
	}
	if src.Sockets != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t, err := src.Sockets(ctx)
			ev.Sockets = t
			record(diagnose.Check{Name: "sockets", Summary: diagnose.SocketsSummary(t)}, err)
		}()
	}
	wg.Wait()
	// Checks in a stable order: the host's, then the targets' as given.
	order := map[string]int{"link": -2, "sockets": -1}
	for i, t := range targets {
		order["path "+t.Name] = i
	}
	slices.SortStableFunc(ev.Checks, func(a, b diagnose.Check) int {
		return order[strings.TrimSpace(a.Name+" "+a.Target)] - order[strings.TrimSpace(b.Name+" "+b.Target)]
	})
	for _, p := range paths {
		if p != nil {
			ev.Paths = append(ev.Paths, *p)
		}
	}
	return diagnose.Diagnose(ev, cfg), refused
}

// isRefusal reports whether err is an engine's configuration error
// (configerr.Error, whichever engine's).
func isRefusal(err error) bool {
	var ce interface{ ConfigField() string }
	return errors.As(err, &ce)
}
