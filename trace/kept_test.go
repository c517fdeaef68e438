package trace

import (
	"net/netip"
	"testing"
)

// TestKeptBoundsRounds: a report of rounds until the context ends keeps
// only the last Keep complete rounds, in order, in memory that stays
// within a few Keeps however many rounds ran; without Keep it keeps all.
func TestKeptBoundsRounds(t *testing.T) {
	round := func(i int) Result {
		return Result{EndReason: EndReached, Hops: []Hop{{TTL: 1, Probes: []Probe{{Addr: netip.MustParseAddr("198.18.1.2"), RTT: 1}}}}, Sent: i}
	}
	k := kept{keep: 5}
	for i := range 100000 {
		k.add(round(i))
		if cap(k.done) > 4*k.keep {
			t.Fatalf("after %d rounds the window holds an array of %d for %d rounds", i+1, cap(k.done), k.keep)
		}
	}
	got := k.rounds()
	if len(got) != 5 {
		t.Fatalf("kept %d rounds, want 5", len(got))
	}
	for i, r := range got {
		if r.Sent != 99995+i {
			t.Errorf("round %d of the window is round %d, want %d", i, r.Sent, 99995+i)
		}
	}
	all := kept{}
	for i := range 50 {
		all.add(round(i))
	}
	if len(all.rounds()) != 50 {
		t.Errorf("without Keep: %d rounds, want 50", len(all.rounds()))
	}
}

// TestKeptCanceled: canceled rounds are never summarized with complete
// ones; interrupted before any completed, the first canceled one is the
// report.
func TestKeptCanceled(t *testing.T) {
	k := kept{keep: 3}
	k.add(Result{EndReason: EndCanceled, Sent: 1})
	k.add(Result{EndReason: EndCanceled, Sent: 2})
	if r := k.rounds(); len(r) != 1 || r[0].Sent != 1 {
		t.Fatalf("interrupted first: %+v, want the first canceled round", r)
	}
	k.add(Result{EndReason: EndReached, Sent: 3})
	if r := k.rounds(); len(r) != 1 || r[0].Sent != 3 {
		t.Fatalf("with a complete round: %+v, want it alone", r)
	}
}
