package netdx

import (
	"bufio"
	"io"
)

// table lays out rows in columns two spaces apart; the last column is not
// padded. It is a tabwriter for tens of thousands of rows.
type table struct {
	rows  [][]string
	width []int
}

func newTable(capacity int, head ...string) *table {
	t := &table{rows: make([][]string, 0, capacity), width: make([]int, len(head))}
	t.add(head...)
	return t
}

func (t *table) add(cells ...string) {
	for i, c := range cells {
		if i < len(t.width) && len(c) > t.width[i] {
			t.width[i] = len(c)
		}
	}
	t.rows = append(t.rows, cells)
}

func (t *table) write(w *bufio.Writer) {
	for _, row := range t.rows {
		last := len(row) - 1
		for last > 0 && row[last] == "" {
			last--
		}
		for i, c := range row[:last+1] {
			w.WriteString(c)
			if i < last {
				for n := t.width[i] - len(c) + 2; n > 0; n-- {
					w.WriteByte(' ')
				}
			}
		}
		w.WriteByte('\n')
	}
}

// writeTable writes t through a buffer of its own.
func writeTable(w io.Writer, t *table) {
	bw := bufio.NewWriter(w)
	t.write(bw)
	bw.Flush()
}
