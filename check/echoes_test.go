package check

import (
	"net/netip"
	"testing"
	"time"

	"netdx/icmpmsg"
	"netdx/probe"
)

// TestEchoesWindow drives the streams' bookkeeping with the ping engine's
// events: the window keeps the last outcomes only, rounds follow their
// marks exactly, totals and the histogram keep everything, and the ICMP
// error kinds the network can make up are bounded.
func TestEchoesWindow(t *testing.T) {
	e, err := NewEchoes([]Target{{"a", netip.MustParseAddr("198.18.3.2")}, {"b", netip.MustParseAddr("198.18.3.3")}}, withEchoConfig(func(c *EchoConfig) { c.Window = 4 }))
	if err != nil {
		t.Fatal(err)
	}
	event := e.epoch(2)
	reply := func(rtt time.Duration) {
		event(probe.Event{Kind: probe.EventReply, Target: 0, RTT: rtt, KernelTime: true})
	}
	reply(10 * time.Millisecond)
	event(probe.Event{Kind: probe.EventTimeout, Target: 0})
	r1 := e.Since(0, 0)
	if r1.Sent != 2 || r1.Received != 1 || r1.Mark != 2 {
		t.Fatalf("first round %+v", r1)
	}
	reply(20 * time.Millisecond)
	reply(30 * time.Millisecond)
	event(probe.Event{Kind: probe.EventSendError, Target: 0})
	reply(40*time.Millisecond + 499*time.Nanosecond)
	w := e.Window(0)
	if w.Sent != 4 || w.Received != 3 || len(w.RTTs) != 3 || w.RTTs[0] != 20*time.Millisecond || w.RTTs[2] != 40*time.Millisecond {
		t.Fatalf("window of the last 4: %+v", w)
	}
	r2 := e.Since(0, r1.Mark)
	if r2.Sent != 4 || r2.Received != 3 || r2.Mark != 6 {
		t.Fatalf("second round %+v", r2)
	}
	if r := e.Since(0, r2.Mark); r.Sent != 0 {
		t.Fatalf("nothing since the last mark: %+v", r)
	}
	tot := e.Totals(0)
	if tot.Sent != 6 || tot.Received != 4 || tot.KernelStamps != 4 || tot.RTTSum != 100*time.Millisecond+499 {
		t.Fatalf("totals %+v", tot)
	}
	// 10 ms ≤ 12.8 ms (bucket 8); 20 ≤ 25.6 (9); 30 and 40 ≤ 51.2 (10).
	if tot.Buckets[8] != 1 || tot.Buckets[9] != 1 || tot.Buckets[10] != 2 {
		t.Fatalf("buckets %v", tot.Buckets)
	}
	if w := e.Window(1); w.Sent != 0 {
		t.Fatalf("target b has no outcome: %+v", w)
	}
	for i := range 3 * MaxEchoErrorKinds {
		event(probe.Event{Kind: probe.EventError, Target: 1, ErrType: 3, ErrCode: 1,
			From: netip.AddrFrom4([4]byte{198, 18, 9, byte(i)})})
	}
	w = e.Window(1)
	if len(w.Errors) != MaxEchoErrorKinds+1 || w.Errors[MaxEchoErrorKinds].From != "other" || w.Errors[MaxEchoErrorKinds].Count != 2*MaxEchoErrorKinds {
		t.Fatalf("error kinds not bounded: %d kinds, last %+v", len(w.Errors), w.Errors[len(w.Errors)-1])
	}
	if tot := e.Totals(1); tot.Errors != 3*MaxEchoErrorKinds || tot.Received != 0 {
		t.Fatalf("errors %+v", tot)
	}
	event(probe.Event{Kind: probe.EventReply, Target: 7}) // not a target: ignored
}

// TestEchoesInvalid: each epoch's events carry its engine's rejections so
// far; the totals add what is new of them, per target and cause, however
// the epochs' events interleave.
func TestEchoesInvalid(t *testing.T) {
	e, err := NewEchoes([]Target{{"a", netip.MustParseAddr("198.18.3.2")}, {"b", netip.MustParseAddr("198.18.3.3")}}, DefaultEchoConfig())
	if err != nil {
		t.Fatal(err)
	}
	counts := func(kv ...int) (c icmpmsg.Counts) {
		for i := 0; i+1 < len(kv); i += 2 {
			c.Add(icmpmsg.Cause(kv[i]), kv[i+1])
		}
		return c
	}
	tok, src, contra := int(icmpmsg.WrongToken), int(icmpmsg.WrongSource), int(icmpmsg.ContradictedError)
	one, two := e.epoch(2), e.epoch(2)
	one(probe.Event{Kind: probe.EventInvalid, Target: 0, Rejected: counts(tok, 1)})
	one(probe.Event{Kind: probe.EventInvalid, Target: 0, Rejected: counts(tok, 2)})
	two(probe.Event{Kind: probe.EventInvalid, Target: 0, Rejected: counts(src, 1)})
	one(probe.Event{Kind: probe.EventReply, Target: 0, Rejected: counts(tok, 2, contra, 1)})
	two(probe.Event{Kind: probe.EventTimeout, Target: 0, Rejected: counts(src, 1)})
	one(probe.Event{Kind: probe.EventInvalid, Target: 1, Rejected: counts(tok, 5)})
	if got, want := e.Totals(0).Invalid, counts(tok, 2, src, 1, contra, 1); got != want {
		t.Errorf("a: %v, want %v", got.Map(), want.Map())
	}
	if got := e.Totals(1).Invalid; got != counts(tok, 5) {
		t.Errorf("b: %v", got.Map())
	}
	if tot := e.Totals(0); tot.Sent != 2 || tot.Received != 1 {
		t.Errorf("outcomes %+v: an invalid message is no outcome", tot)
	}
}

// withEchoConfig is DefaultEchoConfig changed by set.
func withEchoConfig(set func(*EchoConfig)) EchoConfig {
	c := DefaultEchoConfig()
	set(&c)
	return c
}

func TestEchoConfig(t *testing.T) {
	for _, set := range []func(*EchoConfig){
		func(c *EchoConfig) { c.Interval = 0 },
		func(c *EchoConfig) { c.Timeout = 0 },
		func(c *EchoConfig) { c.Window = 0 },
		func(c *EchoConfig) { c.Window = -1 },
		func(c *EchoConfig) { c.Timeout = time.Nanosecond },
		func(c *EchoConfig) { c.Buckets = []float64{1, 1} },
		func(c *EchoConfig) { c.Buckets = nil },
	} {
		if c := withEchoConfig(set); c.Validate() == nil {
			t.Errorf("%+v passed", c)
		}
	}
	c := DefaultEchoConfig()
	if err := c.Validate(); err != nil || c.Window != 300 || c.epoch() != 30 || len(c.Buckets) != 20 {
		t.Errorf("defaults %+v %v: want 300 outcomes, 30 s of 1 s requests per epoch", c, err)
	}
	if c := withEchoConfig(func(c *EchoConfig) { c.Interval = 20 * time.Millisecond }); c.epoch() != 600 {
		t.Errorf("20 ms requests: %d per epoch, want at most 600", c.epoch())
	}
}
