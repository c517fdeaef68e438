package icmpmsg

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"testing"

	"netdx/internal/fixture"
)

// captured is one ICMP message of the fixtures in testdata/captured
// (netdx's own probes answered by Linux routers in the lab) and
// testdata/external (other projects' captures, re-created in the lab).
type captured struct {
	file string
	text string // tcpdump's lines
	v6   bool
	msg  []byte
}

func capturedMessages(t testing.TB) []captured {
	t.Helper()
	var out []captured
	for _, dir := range []string{"captured", "external"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.txt"))
		for _, path := range files {
			for _, pk := range fixture.ReadTcpdump(t, path) {
				_, msg, v6 := fixture.ICMPOf(pk.IP)
				out = append(out, captured{file: path, text: pk.Text, v6: v6, msg: msg})
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no captured messages in testdata")
	}
	return out
}

// quoteBytes is the start of a captured probe quote (IP + UDP + payload).
func quoteBytes(t testing.TB, v6 bool) []byte {
	t.Helper()
	file := "testdata/captured/v4-udp-reached.txt"
	if v6 {
		file = "testdata/captured/v6-udp-reached.txt"
	}
	for _, pk := range fixture.ReadTcpdump(t, file) {
		if _, b, _ := fixture.ICMPOf(pk.IP); b[0] == TypeTimeExceeded || b[0] == Type6TimeExceeded {
			return append([]byte(nil), b[8:]...)
		}
	}
	t.Fatal("no time exceeded in fixture")
	return nil
}

// mplsExtension is an RFC 4884 extension structure with one RFC 4950
// label stack object (label, TC 0, S on the last, TTL 1).
func mplsExtension(labels []uint32) []byte {
	e := []byte{0x20, 0, 0, 0}
	obj := make([]byte, 4, 4+4*len(labels))
	binary.BigEndian.PutUint16(obj, uint16(4+4*len(labels)))
	obj[2], obj[3] = classMPLS, 1
	for i, l := range labels {
		v := l<<12 | 1
		if i == len(labels)-1 {
			v |= 0x100
		}
		obj = binary.BigEndian.AppendUint32(obj, v)
	}
	e = append(e, obj...)
	binary.BigEndian.PutUint16(e[2:], Checksum(e))
	return e
}

func containsToken(b []byte) bool { return bytes.Contains(b, testToken[:]) }
