package sockets

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Kernel dumps are kept as hex text: "#" comment lines, then each message's
// bytes in hex, messages separated by blank lines.

func writeHexMessages(t *testing.T, path, comment string, msgs [][]byte) {
	t.Helper()
	var b bytes.Buffer
	for _, line := range strings.Split(comment, "\n") {
		fmt.Fprintf(&b, "# %s\n", line)
	}
	for _, m := range msgs {
		b.WriteString("\n")
		for len(m) > 0 {
			n := min(32, len(m))
			b.WriteString(hex.EncodeToString(m[:n]) + "\n")
			m = m[n:]
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readHexMessages(t testing.TB, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var msgs [][]byte
	var cur []byte
	flush := func() {
		if cur != nil {
			msgs = append(msgs, cur)
			cur = nil
		}
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "#"):
		case line == "":
			flush()
		default:
			b, err := hex.DecodeString(line)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			cur = append(cur, b...)
		}
	}
	flush()
	return msgs
}
