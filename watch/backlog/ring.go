package backlog

// ring is the bounded queue of messages waiting for the worker: a ring of
// messages with their count and bytes. It is not safe for concurrent use;
// it does not check the bounds, its owner does.
type ring struct {
	msgs    [][]byte
	head, n int
	bytes   int64
}

// fits reports whether a message of size more can join without passing
// maxMsgs messages or maxBytes bytes.
func (q *ring) fits(size, maxMsgs int, maxBytes int64) bool {
	return q.n < maxMsgs && q.bytes+int64(size) <= maxBytes
}

func (q *ring) grow() {
	if q.n < len(q.msgs) {
		return
	}
	l := make([][]byte, max(16, 2*len(q.msgs)))
	for i := range q.n {
		l[i] = q.msgs[(q.head+i)%len(q.msgs)]
	}
	q.msgs, q.head = l, 0
}

// push adds a message at the back.
func (q *ring) push(msg []byte) {
	q.grow()
	q.msgs[(q.head+q.n)%len(q.msgs)] = msg
	q.n++
	q.bytes += int64(len(msg))
}

// pushFront puts msgs, oldest first, in front of the others.
func (q *ring) pushFront(msgs ...[]byte) {
	for i := len(msgs) - 1; i >= 0; i-- {
		q.grow()
		q.head = (q.head - 1 + len(q.msgs)) % len(q.msgs)
		q.msgs[q.head] = msgs[i]
		q.n++
		q.bytes += int64(len(msgs[i]))
	}
}

// pop removes and returns the oldest message, nil when none waits.
func (q *ring) pop() []byte {
	if q.n == 0 {
		return nil
	}
	msg := q.msgs[q.head]
	q.msgs[q.head] = nil
	q.head = (q.head + 1) % len(q.msgs)
	q.n--
	q.bytes -= int64(len(msg))
	if q.n == 0 {
		q.head = 0
		if len(q.msgs) > 1024 {
			q.msgs = nil // give back a burst's memory
		}
	}
	return msg
}

func (q *ring) len() int { return q.n }
