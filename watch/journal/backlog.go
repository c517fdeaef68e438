package journal

// backlog is the bounded queue of lines waiting for the disk: a ring of
// lines with a count and a byte bound. It is not safe for concurrent use.
type backlog struct {
	lines    [][]byte
	head, n  int
	bytes    int64
	maxLines int
	maxBytes int64
}

func newBacklog(maxLines int, maxBytes int64) *backlog {
	return &backlog{lines: make([][]byte, 16), maxLines: maxLines, maxBytes: maxBytes}
}

// fits reports whether a line of size more can join without passing a
// bound.
func (q *backlog) fits(size int) bool {
	return q.n < q.maxLines && q.bytes+int64(size) <= q.maxBytes
}

func (q *backlog) grow() {
	if q.n < len(q.lines) {
		return
	}
	l := make([][]byte, 2*len(q.lines))
	for i := range q.n {
		l[i] = q.lines[(q.head+i)%len(q.lines)]
	}
	q.lines, q.head = l, 0
}

// push adds a line at the back; pushFront puts one back at the front (a
// line the writer could not write). Neither checks the bounds.
func (q *backlog) push(line []byte) {
	q.grow()
	q.lines[(q.head+q.n)%len(q.lines)] = line
	q.n++
	q.bytes += int64(len(line))
}

func (q *backlog) pushFront(line []byte) {
	q.grow()
	q.head = (q.head - 1 + len(q.lines)) % len(q.lines)
	q.lines[q.head] = line
	q.n++
	q.bytes += int64(len(line))
}

// pop removes and returns the oldest line, nil when empty.
func (q *backlog) pop() []byte {
	if q.n == 0 {
		return nil
	}
	line := q.lines[q.head]
	q.lines[q.head] = nil
	q.head = (q.head + 1) % len(q.lines)
	q.n--
	q.bytes -= int64(len(line))
	if q.n == 0 {
		q.head = 0
		if len(q.lines) > 1024 {
			q.lines = make([][]byte, 16) // give back a burst's memory
		}
	}
	return line
}

func (q *backlog) len() int { return q.n }
