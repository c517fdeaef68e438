package trace

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestSchedInterrupted: a trace cut short while it waits for a silent hop
// returns every hop measured so far, those beyond the silent one included
// (each also given to OnHop), says it was canceled, and that the target
// answered.
func TestSchedInterrupted(t *testing.T) {
	p := newFakePath(UDP, false, fourHops...)
	p.hops[1].silent = true
	var res Result
	var err error
	var onHop []int
	synctest.Test(t, func(t *testing.T) {
		p.out, p.closed = make(chan reply, 1024), make(chan struct{})
		cfg := DefaultConfig()
		cfg.OnHop = func(h Hop) { onHop = append(onHop, h.TTL) }
		c, cerr := cfg.forTarget(p.target)
		if cerr != nil {
			t.Fatal(cerr)
		}
		p.setFlows(c)
		// The farther hops answer after 83 ms; the silent hop is waited
		// for about three of their RTTs.
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		sess := newSession(p)
		_, err = drive(ctx, c, sess, Rounds{Count: 1, OnRound: func(_ int, r Result) { res = r }})
		sess.close()
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the context's", err)
	}
	got := summary(res)
	if !strings.HasPrefix(got, "1:198.18.1.2,") || !strings.Contains(got, " 2:*,*,* 3:198.18.3.2,") || !strings.HasSuffix(got, "4:198.18.4.2,198.18.4.2,198.18.4.2") {
		t.Errorf("hops %s, want all four, hop 2 without answers", got)
	}
	if !res.Reached || res.EndReason != EndCanceled || res.Sent == 0 {
		t.Errorf("reached=%v end=%q sent=%d, want reached, canceled", res.Reached, res.EndReason, res.Sent)
	}
	if len(onHop) != 4 || onHop[0] != 1 || onHop[3] != 4 {
		t.Errorf("OnHop saw TTLs %v, want 1..4", onHop)
	}
}

// TestSchedInterruptedBeforeAnswers: cut short before anything answered,
// a trace has no hops, and is not reached.
func TestSchedInterruptedBeforeAnswers(t *testing.T) {
	p := newFakePath(UDP, false, 50*time.Millisecond, 60*time.Millisecond)
	var res Result
	synctest.Test(t, func(t *testing.T) {
		p.out, p.closed = make(chan reply, 1024), make(chan struct{})
		c, _ := DefaultConfig().forTarget(p.target)
		p.setFlows(c)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		sess := newSession(p)
		_, _ = drive(ctx, c, sess, Rounds{Count: 1, OnRound: func(_ int, r Result) { res = r }})
		sess.close()
	})
	if len(res.Hops) != 0 || res.Reached || res.EndReason != EndCanceled {
		t.Errorf("hops %s reached=%v end=%q, want none, canceled", summary(res), res.Reached, res.EndReason)
	}
}
