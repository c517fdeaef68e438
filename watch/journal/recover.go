package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"netdx/watch/record"
)

// layout is what a read of a journal found: the readable records, the runs
// of unreadable lines between them, and a torn tail.
//
// A line is readable when it is one JSON object, newline included, no
// longer than the bound. The torn tail is what follows the last newline
// and is no record: the one part a crash can leave half written (each
// record is one write of a whole line), and the only part repair may cut.
// A whole record that lacks only its newline is no tail: it is kept.
type layout struct {
	size    int64
	records int             // readable lines
	regions []record.Region // unreadable lines, in file order
	// cut is where the torn tail starts (size without one); tailLine is
	// its line number and tailReason what is wrong with it.
	cut        int64
	tailLine   int
	tailReason string
	// unterminated: the last line is a whole record without its newline.
	unterminated bool
}

// clean reports whether l needs no repair.
func (l *layout) clean() bool { return len(l.regions) == 0 && l.cut == l.size && !l.unterminated }

// kept are the byte ranges of l that stay in the journal: everything
// before the torn tail but the regions.
func (l *layout) kept() [][2]int64 {
	var out [][2]int64
	from := int64(0)
	for _, g := range l.regions {
		if g.Offset > from {
			out = append(out, [2]int64{from, g.Offset})
		}
		from = g.Offset + g.Length
	}
	if l.cut > from {
		out = append(out, [2]int64{from, l.cut})
	}
	return out
}

// asideBytes is the length of the regions together.
func (l *layout) asideBytes() int64 {
	n := int64(0)
	for _, g := range l.regions {
		n += g.Length
	}
	return n
}

// scanner reads a journal line by line for readLayout.
type scanner struct {
	r       io.ReaderAt
	l       layout
	maxLine int
	off     int64 // of the next line
	line    int   // lines read
	// last is the last readable line (offset, length), for the time of
	// the record before a region; open is the region being grown.
	last [2]int64
	open *record.Region
}

// readLayout reads the size bytes of a journal and says which lines are
// readable; no line longer than maxLine is held in memory.
func readLayout(r io.ReaderAt, size int64, maxLine int) (*layout, error) {
	s := &scanner{r: r, maxLine: maxLine, l: layout{size: size, cut: size}, last: [2]int64{-1, 0}}
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 64<<10)
	for {
		line, n, long, err := readLine(br, maxLine)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if n == 0 {
			break
		}
		if err == io.EOF {
			s.tail(line, long)
			break
		}
		s.add(line, n, long)
	}
	s.close(nil)
	return &s.l, nil
}

// readLine reads one line: its bytes (nil when longer than maxLine, long
// set) and its length, newline included. io.EOF: the line has no newline.
func readLine(br *bufio.Reader, maxLine int) (line []byte, n int64, long bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		if !long {
			if int64(len(line))+int64(len(chunk)) > int64(maxLine) {
				long, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, n, long, err
		}
	}
}

// add takes one whole line.
func (s *scanner) add(line []byte, n int64, long bool) {
	s.line++
	switch reason := s.unreadable(line, long); {
	case reason == "":
		s.close(line)
		s.l.records++
		s.last = [2]int64{s.off, n}
	case s.open != nil:
		s.open.Length += n
		s.open.Lines++
	default:
		s.open = &record.Region{Offset: s.off, Length: n, Line: s.line, Lines: 1, Reason: reason,
			After: s.timeAt(s.last)}
	}
	s.off += n
}

// tail takes the bytes after the last newline: a whole record is kept,
// anything else is the torn tail.
func (s *scanner) tail(line []byte, long bool) {
	s.line++
	if !long && isObject(append(line, '\n')) {
		s.close(line)
		s.l.records++
		s.l.unterminated = true
		return
	}
	s.l.cut, s.l.tailLine, s.l.tailReason = s.off, s.line, "torn: no newline at the end"
}

// close ends the region being grown, if any; next is the readable line
// after it (nil at the end).
func (s *scanner) close(next []byte) {
	if s.open == nil {
		return
	}
	if next != nil {
		s.open.Before = recordTime(next)
	}
	s.l.regions = append(s.l.regions, *s.open)
	s.open = nil
}

// unreadable says why a whole line is no record; "" when it is one.
func (s *scanner) unreadable(line []byte, long bool) string {
	switch {
	case long:
		return fmt.Sprintf("line longer than %d bytes", s.maxLine)
	case !isObject(line):
		return "not a JSON object"
	}
	return ""
}

// timeAt is the time of the record in the line at (offset, length), or
// zero.
func (s *scanner) timeAt(at [2]int64) time.Time {
	if at[0] < 0 {
		return time.Time{}
	}
	b := make([]byte, at[1])
	if _, err := s.r.ReadAt(b, at[0]); err != nil {
		return time.Time{}
	}
	return recordTime(b)
}

// recordTime is the time field of a record's line, or zero.
func recordTime(line []byte) time.Time {
	var r struct {
		Time time.Time `json:"time"`
	}
	if json.Unmarshal(line, &r) != nil {
		return time.Time{}
	}
	return r.Time
}

// isObject reports whether line (newline included) is one JSON object.
func isObject(line []byte) bool {
	body := bytes.TrimSuffix(line, []byte("\n"))
	return len(body) > 0 && body[0] == '{' && json.Valid(body)
}
