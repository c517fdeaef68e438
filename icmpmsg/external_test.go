package icmpmsg

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"netdx/internal/fixture"
)

var update = flag.Bool("update", false, "re-create the external fixtures in testdata/external in the lab (needs root)")

// external is an ICMP message another project published from a real
// router, as the Ethernet frame it showed.
type external struct {
	file, source, about string
	frame               string // the Ethernet frame as published: hex bytes, spaces and lines
	// want: what netdx must read in it.
	labels []int // MPLS labels, top first
	quote  int   // bytes of original datagram
	err    error // what ParseMessage says besides
}

var externals = []external{
	{
		file:   "trippy-804-mpls-after-short-length.txt",
		source: "https://github.com/fujiapple852/trippy/issues/804",
		about: "a router's Time Exceeded for an echo request: the RFC 4884 length says 17 words (68 bytes), " +
			"the quote is padded to 128 bytes and an MPLS label stack (label 416240) follows there",
		frame: `
32 ff 66 fe fe f5 fe 00 00 00 01 01 08 00 45 00
00 a8 42 f3 00 00 f8 01 dd a0 3e 73 70 f4 9f 41
53 18 0b 00 f4 ee 00 11 00 00 45 00 00 54 00 00
40 00 02 01 50 75 9f 41 53 18 5d b8 d8 22 08 00
78 f8 fe 18 80 ee 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 20 00 78 56 00 08
01 01 65 9f 01 01`,
		labels: []int{416240}, quote: 68,
	},
	{
		file:   "trippy-1561-length-past-the-end.txt",
		source: "https://github.com/fujiapple852/trippy/issues/1561",
		about: "a router's Time Exceeded whose RFC 4884 length says 128 words, far past its 140 bytes " +
			"(128 bytes meant), with an MPLS label stack (label 84016) at byte 128 in a structure without checksum",
		frame: `
0c 37 96 a7 40 72 00 09 0f 09 00 13 08 00 45 00
00 a8 00 00 00 00 f6 01 cf 27 3e b0 fb 6d c0 a8
fa 66 0b 00 b3 f2 00 80 00 00 45 b5 00 54 23 b7
40 00 01 01 7b 56 c0 a8 fa 66 98 13 86 c4 08 00
ef 44 86 17 82 a3 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 20 00 00 00 00 08
01 01 14 83 0b 01`,
		labels: []int{84016}, quote: 128,
	},
}

// relabel maps the published frame's addresses into the lab: the router
// becomes from, the host that traced becomes to, the probe's target
// becomes target; the IP and ICMP checksums are made right again. It
// returns the IP packet.
func (x external) relabel(t testing.TB, from, to, target netip.Addr) []byte {
	t.Helper()
	frame, err := hex.DecodeString(strings.Join(strings.Fields(x.frame), ""))
	if err != nil || len(frame) < 14+20+8+28 {
		t.Fatalf("%s: frame: %v", x.file, err)
	}
	ip := frame[14:]
	ihl := int(ip[0]&0xf) * 4
	icmp := ip[ihl:]
	inner := icmp[8:]
	copy(ip[12:16], from.AsSlice())
	copy(ip[16:20], to.AsSlice())
	copy(inner[12:16], to.AsSlice())
	copy(inner[16:20], target.AsSlice())
	sum := func(b []byte, at int) {
		b[at], b[at+1] = 0, 0
		binary.BigEndian.PutUint16(b[at:], Checksum(b))
	}
	sum(inner[:int(inner[0]&0xf)*4], 10)
	sum(icmp, 2)
	sum(ip[:ihl], 10)
	return ip
}

// TestExternalFixtures reads the packets of other projects' captures
// (re-created in the lab): netdx finds the MPLS labels tcpdump shows (the
// layout of trippy issue 804, which Wireshark and trippy then missed), and
// the quote that names the probe.
func TestExternalFixtures(t *testing.T) {
	label := regexp.MustCompile(`label (\d+)`)
	for _, x := range externals {
		t.Run(x.file, func(t *testing.T) {
			pks := fixture.ReadTcpdump(t, filepath.Join("testdata", "external", x.file))
			if len(pks) != 1 {
				t.Fatalf("%d packets, want 1", len(pks))
			}
			pk := pks[0]
			_, b, v6 := fixture.ICMPOf(pk.IP)
			m, err := ParseMessage(v6, b)
			if (x.err == nil) != (err == nil) || (x.err != nil && !errors.Is(err, x.err)) {
				t.Errorf("err %v, want %v", err, x.err)
			}
			var got []int
			if m.Extensions != nil {
				for _, l := range m.Extensions.MPLS {
					got = append(got, l.Label)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(x.labels) || len(m.Quote) != x.quote {
				t.Errorf("labels %v, quote %d bytes; want %v and %d\n%s", got, len(m.Quote), x.labels, x.quote, pk.Text)
			}
			// What tcpdump read, netdx reads.
			for _, s := range label.FindAllStringSubmatch(pk.Text, -1) {
				if !strings.Contains(fmt.Sprint(x.labels), s[1]) {
					t.Errorf("tcpdump shows label %s, netdx %v", s[1], got)
				}
			}
			q, err := ParseQuote(m.Quote)
			if err != nil || q.Proto != ProtoICMP || q.Dst != netip.MustParseAddr("198.18.2.2") {
				t.Fatalf("quote %+v: %v", q, err)
			}
			e := Expect{ID: int(binary.BigEndian.Uint16(q.Transport[4:])), Token: Token(q.Transport[8:])}
			if v := Match(e, b); v.Kind != Error || v.Unverified || v.ErrType != TypeTimeExceeded {
				t.Errorf("Match = %+v, want a verified time exceeded", v)
			}
		})
	}
}
