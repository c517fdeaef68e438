package testkit

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// the goroutine, as the real one does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls f with a recorder in a goroutine of its own and returns what
// it failed with ("" when it did not).
func run(f func(tb testing.TB)) string {
	r := &fatalRecorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.msg
}

func TestPollReturnsTheValue(t *testing.T) {
	calls := 0
	got := Poll(t, "the third call", time.Second, time.Microsecond, func() (int, bool) {
		calls++
		return calls * 10, calls == 3
	})
	if got != 30 || calls != 3 {
		t.Errorf("got %d after %d calls, want 30 after 3", got, calls)
	}
}

func TestPollFailsWithTheLastValue(t *testing.T) {
	msg := run(func(tb testing.TB) {
		Poll(tb, "a miracle", 20*time.Millisecond, time.Millisecond, func() (string, bool) { return "still nothing", false })
		tb.Fatalf("Poll returned")
	})
	if !strings.Contains(msg, "waiting for a miracle") || !strings.Contains(msg, "still nothing") {
		t.Errorf("failed with %q", msg)
	}
}

func TestWaitGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	stop := make(chan struct{})
	go func() { <-stop }()
	time.AfterFunc(20*time.Millisecond, func() { close(stop) })
	WaitGoroutines(t, before)
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the wait, %d before", n, before)
	}
}
