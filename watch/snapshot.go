package watch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"netdx/diagnose"
	"netdx/internal/quantile"
	"netdx/sockets"
	"netdx/trace"
	"netdx/watch/record"
)

// snapState is a target's snapshot trigger: armed below the thresholds,
// fired on crossing them, at most once per Gap.
type snapState struct {
	over bool      // above a threshold at the last evaluation
	last time.Time // the last snapshot
	busy bool      // a snapshot is being taken
}

// crossed says which threshold a target's window is above, if any.
func crossed(s SnapshotConfig, e *diagnose.Echo, minSample int) string {
	if !s.enabled() || e == nil || e.Sent < minSample {
		return ""
	}
	if s.MaxLossPct < NoMaxLossPct {
		if loss := 100 * float64(e.Lost()) / float64(e.Sent); loss > s.MaxLossPct {
			return fmt.Sprintf("loss %.2f%% > %g%% (%d of the last %d echo requests lost)", loss, s.MaxLossPct, e.Lost(), e.Sent)
		}
	}
	if s.MaxRTT != diagnose.NoMaxRTT && len(e.RTTs) > 0 {
		if m := quantile.Median(e.RTTs); m > s.MaxRTT {
			return fmt.Sprintf("median RTT %.1f ms > %v over the last %d replies", float64(m)/float64(time.Millisecond), s.MaxRTT, len(e.RTTs))
		}
	}
	return ""
}

// snapshotsDue returns the targets whose window crossed a threshold now
// (from below), with the reason, and marks them busy; crossing holds the
// targets above a threshold now. w.mu is held.
func (w *Watcher) snapshotsDue(now time.Time, crossing map[int]string) map[int]string {
	s := w.cfg.Snapshot
	if !s.enabled() {
		return nil
	}
	var due map[int]string
	for i := range w.snaps {
		reason := crossing[i]
		st := &w.snaps[i]
		was := st.over
		st.over = reason != ""
		if reason == "" || was || st.busy || (!st.last.IsZero() && now.Sub(st.last) < s.Gap) {
			continue
		}
		st.busy, st.last = true, now
		if due == nil {
			due = map[int]string{}
		}
		due[i] = reason
	}
	return due
}

// takeSnapshot traces target i and reads the socket table, in the
// background, and hands the snapshot to the sinks.
func (w *Watcher) takeSnapshot(ctx context.Context, i int, reason string, fail func(error)) {
	w.bg.Add(1)
	go func() {
		defer w.bg.Done()
		t := w.cfg.Targets[i]
		snap := &record.Snapshot{Target: t.Name, Reason: reason}
		res, terr := trace.Run(ctx, t.Addr, w.cfg.Snapshot.Trace)
		if terr == nil || len(res.Hops) > 0 {
			res.Target = t.Name
			snap.Trace, terr = marshal(res, terr)
		}
		var serr error
		sc := sockets.DefaultConfig()
		sc.All, sc.Owners, sc.Routes = true, true, true
		if w.cfg.Host != nil {
			sc.NetNS, sc.AllowedGateways = w.cfg.Host.NetNS, w.cfg.Host.AllowedGateways
		}
		table, serr := sockets.List(context.WithoutCancel(ctx), sc)
		if serr == nil {
			snap.Sockets, serr = marshal(diagnose.ReadSockets(table, w.cfg.Rules), nil)
		}
		err := errors.Join(terr, serr)
		w.mu.Lock()
		w.snaps[i].busy = false
		w.status.Snapshots++
		if err != nil {
			w.status.SnapshotErrors++
		}
		w.mu.Unlock()
		if err != nil {
			w.log.Warn("watch: snapshot incomplete", "target", t.Name, "err", err)
		}
		if snap.Trace == nil && snap.Sockets == nil {
			return
		}
		w.emit(ctx, record.Record{Time: time.Now(), Kind: record.KindSnapshot, Snapshot: snap}, fail)
	}()
}

func marshal(v any, err error) (json.RawMessage, error) {
	b, merr := json.Marshal(v)
	if merr != nil {
		return nil, errors.Join(err, merr)
	}
	return b, err
}
