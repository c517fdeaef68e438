package testkit

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// Guard is how long WaitFor and WaitGoroutines wait before they fail the
// test: far longer than what they wait for takes on a loaded machine, so
// that it only turns a hang into a failure.
const Guard = 10 * time.Second

// WaitFor checks cond every interval until it holds, and fails the test
// if it does not within Guard.
func WaitFor(t testing.TB, what string, every time.Duration, cond func() bool) {
	t.Helper()
	if _, ok := poll(Guard, every, func() (struct{}, bool) { return struct{}{}, cond() }); !ok {
		t.Fatalf("timed out after %v waiting for %s", Guard, what)
	}
}

// Poll calls get every interval until it reports ok, and returns the
// value it gave then. It fails the test, showing the last value, if get
// has not reported ok within the given time.
func Poll[T any](t testing.TB, what string, within, every time.Duration, get func() (T, bool)) T {
	t.Helper()
	v, ok := poll(within, every, get)
	if !ok {
		t.Fatalf("timed out after %v waiting for %s; last seen: %+v", within, what, v)
	}
	return v
}

// WaitGoroutines waits until no more goroutines run than before (a count
// taken before the code under test started), and fails the test if more
// still run after Guard.
func WaitGoroutines(t testing.TB, before int) {
	t.Helper()
	Poll(t, "the goroutines started since to end", Guard, 10*time.Millisecond, func() (string, bool) {
		n := runtime.NumGoroutine()
		return fmt.Sprintf("%d goroutines, %d before", n, before), n <= before
	})
}

// poll calls get every interval until it reports ok or the time is up,
// and returns its last value and whether it reported ok.
func poll[T any](within, every time.Duration, get func() (T, bool)) (T, bool) {
	deadline := time.Now().Add(within)
	for {
		v, ok := get()
		if ok || time.Now().After(deadline) {
			return v, ok
		}
		time.Sleep(every)
	}
}
