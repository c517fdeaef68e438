package backlog

import (
	"errors"
	"strings"
	"sync"
	"time"

	"netdx/internal/testkit"
)

var errDown = errors.New("receiver down")

// fakeSender is a receiver the test takes down and brings back. In hold
// mode it keeps what it was sent until the test acknowledges it, as TCP.
type fakeSender struct {
	mu     sync.Mutex
	down   bool   // Connect fails
	broke  bool   // Send fails
	lose   string // a message Send loses (ErrLost)
	hold   bool   // keep sent messages until ack
	poll   time.Duration
	got    []string // delivered (acknowledged in hold mode), in order
	held   []string
	tries  []time.Time // of every Connect
	checks []time.Time // of every Check
	broken chan struct{}
	acked  bool // the next Check acknowledges what is held
}

func newFake() *fakeSender { return &fakeSender{broken: make(chan struct{})} }

func (f *fakeSender) set(fn func(*fakeSender)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeSender) Connect() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tries = append(f.tries, time.Now())
	if f.down {
		return errDown
	}
	return nil
}

func (f *fakeSender) Send(msg []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.broke:
		return errDown
	case string(msg) == f.lose:
		return errors.Join(ErrLost, errDown)
	case f.hold:
		f.held = append(f.held, string(msg))
	default:
		f.got = append(f.got, string(msg))
	}
	return nil
}

func (f *fakeSender) Pending() (<-chan struct{}, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.held) > 0 {
		return f.broken, f.poll
	}
	return f.broken, 0
}

func (f *fakeSender) Check() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks = append(f.checks, time.Now())
	select {
	case <-f.broken:
		return errDown
	default:
	}
	if f.acked {
		f.got, f.held, f.acked = append(f.got, f.held...), nil, false
	}
	return nil
}

func (f *fakeSender) Unsent() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]byte
	for _, m := range f.held {
		out = append(out, []byte(m))
	}
	f.held = nil
	select {
	case <-f.broken:
		f.broken = make(chan struct{}) // a new connection
	default:
	}
	return out
}

// delivered returns what the receiver has, joined.
func (f *fakeSender) delivered() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.got, " ")
}

// gaps returns the times between delivery attempts.
func (f *fakeSender) gaps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []time.Duration
	for i := 1; i < len(f.tries); i++ {
		out = append(out, f.tries[i].Sub(f.tries[i-1]))
	}
	return out
}

// testConfig is a queue of 3 messages retrying after 1 s, 2 s … 8 s.
func testConfig(onFull OnFull) Config {
	return Config{Messages: 3, Bytes: 1 << 20, OnFull: onFull, MinBackoff: time.Second, MaxBackoff: 8 * time.Second}
}

// start returns a queue delivering to f, its notices "dropped N".
func start(cfg Config, f *fakeSender, log *testkit.LogBuffer) *Queue {
	return New(cfg, Delivery{Name: "test", Sender: f, Logger: log.Logger(),
		Notice: func(e Episode) []byte { return []byte("dropped" + strings.Repeat("!", int(e.Dropped))) }})
}

func push(q *Queue, msgs ...string) error {
	var errs []error
	for _, m := range msgs {
		errs = append(errs, q.Push([]byte(m)))
	}
	return errors.Join(errs...)
}
