package trace

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// capturedPacket is one packet of a fixture: tcpdump's lines and the IP
// packet they describe.
type capturedPacket struct {
	text string
	ip   []byte
}

// readCapture reads a fixture written by TestIntegrationCaptureFixtures:
// tcpdump -v -x output, the summary lines of each packet above its bytes.
func readCapture(t testing.TB, path string) []capturedPacket {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []capturedPacket
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
		case strings.HasPrefix(line, "\t0x"):
			off, rest, _ := strings.Cut(line, ":")
			if strings.TrimSpace(off) == "0x0000" {
				// tcpdump -v dumps the body of messages it does not know
				// before -x dumps the packet: keep the last dump.
				out[len(out)-1].ip = nil
			}
			b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(rest), " ", ""))
			if err != nil {
				t.Fatalf("%s: %q: %v", path, line, err)
			}
			out[len(out)-1].ip = append(out[len(out)-1].ip, b...)
		case line[0] != ' ' && line[0] != '\t':
			out = append(out, capturedPacket{text: line})
		default:
			out[len(out)-1].text += "\n" + line
		}
	}
	return out
}

// icmpOf splits a captured IP packet into source and ICMP message.
func icmpOf(ip []byte) (src netip.Addr, msg []byte, v6 bool) {
	if ip[0]>>4 == 4 {
		ihl := int(ip[0]&0xf) * 4
		return netip.AddrFrom4([4]byte(ip[12:16])), ip[ihl:], false
	}
	return netip.AddrFrom16([16]byte(ip[8:24])), ip[40:], true
}

// quoteMatcher builds the matcher netdx had when it sent the probe q
// quotes, from the quote itself, and the token the probe's payload
// carries (what the match must find).
func quoteMatcher(q *Quote, proto string) (*matcher, uint16) {
	m := &matcher{proto: proto, target: q.Dst, src: q.Src}
	t := q.Transport
	switch proto {
	case "udp":
		sp, dp := q.Ports()
		m.flows = []flowID{{sport: sp, dport: dp}}
		if len(t) < 12 {
			return m, binary.BigEndian.Uint16(t[6:])
		}
		return m, binary.BigEndian.Uint16(t[10:])
	case "icmp":
		m.icmpID = int(binary.BigEndian.Uint16(t[4:]))
		m.flows = []flowID{{sum: binary.BigEndian.Uint16(t[2:])}}
		return m, binary.BigEndian.Uint16(t[6:])
	default:
		sp, dp := q.Ports()
		seq := binary.BigEndian.Uint32(t[4:])
		m.cookie = uint16(seq >> 16)
		m.flows = []flowID{{sport: sp, dport: dp}}
		return m, uint16(seq)
	}
}

// TestFixtures decodes every captured ICMP message: the annotation of each
// destination-unreachable code (IPv4 and IPv6, from real nftables rejects
// on a Linux router), Time Exceeded, Fragmentation Needed / Packet Too Big
// with the link's MTU, port unreachable from the target, and checks that
// each quote names the probe netdx sent.
func TestFixtures(t *testing.T) {
	want := map[string]string{ // file: annotation of its unreachables
		"v4-unreach-code0.txt": "!N", "v4-unreach-code1.txt": "!H", "v4-unreach-code2.txt": "!P",
		"v4-unreach-code3.txt": "!3", "v4-unreach-code5.txt": "!S", "v4-unreach-code6.txt": "!U",
		"v4-unreach-code7.txt": "!W", "v4-unreach-code8.txt": "!I", "v4-unreach-code9.txt": "!A",
		"v4-unreach-code10.txt": "!Z", "v4-unreach-code11.txt": "!Q", "v4-unreach-code12.txt": "!T",
		"v4-unreach-code13.txt": "!X", "v4-unreach-code14.txt": "!V", "v4-unreach-code15.txt": "!C",
		"v6-unreach-code0.txt": "!N", "v6-unreach-code1.txt": "!X", "v6-unreach-code2.txt": "!S",
		"v6-unreach-code3.txt": "!H", "v6-unreach-code4.txt": "!4", "v6-unreach-code5.txt": "!X",
		"v6-unreach-code6.txt": "!X", "v6-unreach-code7.txt": "!S",
		"v4-fragneeded.txt": "!F-1280", "v6-fragneeded.txt": "!F-1280",
		"v4-udp-reached.txt": "", "v6-udp-reached.txt": "",
		"v4-icmp-reached.txt": "", "v6-icmp-reached.txt": "",
		"v4-tcp-timeexceeded.txt": "", "v6-tcp-timeexceeded.txt": "",
	}
	files, _ := filepath.Glob("testdata/icmp/*.txt")
	if len(files) != len(want) {
		t.Errorf("%d fixtures, want %d", len(files), len(want))
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			proto := strings.Split(name, "-")[1]
			if proto != "icmp" && proto != "tcp" {
				proto = "udp"
			}
			var unreach, te, echo int
			for _, pk := range readCapture(t, path) {
				src, b, v6 := icmpOf(pk.ip)
				m, err := ParseMessage(v6, b)
				if err != nil && !errors.Is(err, ErrNotError) {
					t.Fatalf("%v\n%s", err, pk.text)
				}
				if m.EchoReply() {
					echo++
					continue
				}
				if errors.Is(err, ErrNotError) {
					continue // our own probes, on the way out
				}
				q, err := ParseQuote(m.Quote)
				if err != nil {
					t.Fatalf("quote: %v\n%s", err, pk.text)
				}
				mt, tok := quoteMatcher(&q, proto)
				got, flow, ok := mt.fromQuote(&q, func(x uint16, f int) bool { return x == tok })
				if !ok || got != tok || flow != 0 {
					t.Errorf("quote names token %#x flow %d (ok %v), want %#x flow 0\n%s", got, flow, ok, tok, pk.text)
				}
				switch {
				case m.TimeExceeded():
					te++
					if a := Annotation(&m, src == q.Dst); a != "" {
						t.Errorf("time exceeded annotated %q", a)
					}
				case m.Unreachable():
					unreach++
					fromTarget := src == q.Dst
					w := want[name]
					if fromTarget && m.portUnreachable() {
						w = "" // reached
					}
					if a := Annotation(&m, fromTarget); a != w {
						t.Errorf("annotation %q, want %q\n%s", a, w, pk.text)
					}
					if strings.Contains(name, "reached") && !(fromTarget && m.portUnreachable()) {
						t.Errorf("want port unreachable from the target\n%s", pk.text)
					}
				}
			}
			switch {
			case strings.Contains(name, "icmp-reached") && echo == 0:
				t.Errorf("no echo reply")
			case strings.Contains(name, "tcp") && te == 0:
				t.Errorf("no time exceeded quoting a tcp probe")
			case strings.Contains(name, "unreach") || strings.Contains(name, "frag") || strings.Contains(name, "udp-reached"):
				if unreach == 0 {
					t.Errorf("no destination unreachable")
				}
			}
		})
	}
}

// TestQuoteTruncated cuts a captured quote down to what RFC 792 routers
// send (IP header + 8 bytes) and below it.
func TestQuoteTruncated(t *testing.T) {
	pk := readCapture(t, "testdata/icmp/v4-unreach-code1.txt")[1]
	_, b, _ := icmpOf(pk.ip)
	m, err := ParseMessage(false, b)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQuote(m.Quote[:28])
	if err != nil {
		t.Fatalf("28-byte quote: %v", err)
	}
	if sp, dp := q.Ports(); dp != 33434 || sp == 0 || q.Dst != netip.MustParseAddr("198.18.3.2") {
		t.Errorf("ports %d > %d to %s", sp, dp, q.Dst)
	}
	for _, n := range []int{27, 20, 12, 0} {
		if _, err := ParseQuote(m.Quote[:n]); err == nil || !errors.Is(err, ErrTruncated) {
			t.Errorf("%d-byte quote: err %v, want ErrTruncated", n, err)
		}
	}
	if _, err := ParseMessage(false, b[:6]); !errors.Is(err, ErrTruncated) {
		t.Errorf("6-byte message: err %v, want ErrTruncated", err)
	}
}
