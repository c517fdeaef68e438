package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// damage describes where a journal stops being valid.
type damage struct {
	Offset int64  // the first byte not kept
	Line   int    // its line number, from 1
	Reason string // torn, not JSON, too long
}

// validPrefix reads a journal and returns the length of its valid prefix:
// whole lines, each one JSON object, none longer than maxLine bytes. It
// stops at the first line that is torn (no newline at the end of the
// file), corrupt or too long, and describes it; nil means the whole input
// is valid.
func validPrefix(r io.Reader, maxLine int) (valid int64, lines int, d *damage, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long)+len(chunk) > maxLine {
				return valid, lines, &damage{valid, lines + 1, fmt.Sprintf("line longer than %d bytes", maxLine)}, nil
			}
			long = append(long, chunk...)
			continue
		}
		line := chunk
		if long != nil {
			line = append(long, chunk...)
			long = nil
		}
		if err == io.EOF {
			if len(line) > 0 {
				return valid, lines, &damage{valid, lines + 1, "torn: no newline at the end"}, nil
			}
			return valid, lines, nil, nil
		}
		if err != nil {
			return valid, lines, nil, err
		}
		switch {
		case len(line) > maxLine:
			return valid, lines, &damage{valid, lines + 1, fmt.Sprintf("line longer than %d bytes", maxLine)}, nil
		case !isObject(line):
			return valid, lines, &damage{valid, lines + 1, "not a JSON object"}, nil
		}
		valid += int64(len(line))
		lines++
	}
}

// isObject reports whether line (newline included) is one JSON object.
func isObject(line []byte) bool {
	body := bytes.TrimSuffix(line, []byte("\n"))
	return len(body) > 0 && body[0] == '{' && json.Valid(body)
}
