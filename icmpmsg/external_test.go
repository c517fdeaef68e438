package icmpmsg

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"netdx/internal/fixture"
)

var update = flag.Bool("update", false, "re-create the external fixtures in testdata/external in the lab (needs root)")

// external is an ICMP message another project published from a real
// router, as the frame it showed.
type external struct {
	file, source, about string
	frame               string // the frame as published: hex bytes, spaces and lines
	link                int    // link-layer header bytes before IP: 14 (Ethernet), 4 (PPP)
	// extSum: the extension structure (after a 128-byte quote) has a
	// checksum that does not check as published; it is made right with
	// the others.
	extSum bool
	// want: what netdx must read in it.
	labels []int           // MPLS labels, top first
	ifaces []InterfaceInfo // RFC 5837 objects
	odd    map[string]int  // oddities read leniently
	quote  int             // bytes of original datagram
	err    error           // what ParseMessage says besides
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
		link: 14, labels: []int{416240}, quote: 68,
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
		link: 14, labels: []int{84016}, quote: 128,
	},
	{
		file:   "wireshark-6632-name-length-63.txt",
		source: "https://gitlab.com/wireshark/wireshark/-/issues/6632 (the bytes as scapy's test/scapy/layers/inet.uts has them)",
		about: "a router's Time Exceeded for a UDP probe with an RFC 5837 interface information object (ifindex 15, " +
			"10.10.10.10, a name) after a 128-byte quote, whose name sub-object's length octet says 63 for a 64-byte " +
			"sub-object holding a 63-byte name (not a multiple of 4; Wireshark and scapy decode it); the published " +
			"structure's checksum does not check",
		frame: `
ff 03 00 21 45 00 00 f0 e7 20 40 00 fe 01 7a de
0a 04 00 02 0c 04 04 04 0b 00 cc ff 00 00 00 00
45 00 00 28 a5 51 00 00 01 11 f7 6a 0c 04 04 04
0c 01 01 01 a5 4b 82 a0 00 14 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20 00 c4 e4 00 50 02 0e 00 00 00 0f 00 01 00 00
0a 0a 0a 0a 3f 54 68 69 73 2d 69 73 2d 74 68 65
2d 6e 61 6d 65 2d 6f 66 2d 74 68 65 2d 49 6e 74
65 72 66 61 63 65 2d 74 68 61 74 2d 77 65 2d 61
72 65 2d 6c 6f 6f 6b 69 6e 67 2d 66 6f 72 2d 5b
3a 2d 29 5d`,
		link: 4, extSum: true, quote: 128,
		ifaces: []InterfaceInfo{{Role: "incoming", Index: 15, Addr: netip.MustParseAddr("10.10.10.10"),
			Name: "This-is-the-name-of-the-Interface-that-we-are-looking-for-[:-)]"}},
		odd: map[string]int{"unaligned_interface_name": 1},
	},
}

// relabel maps the published frame's addresses into the lab: the router
// becomes from, the host that traced becomes to, the probe's target
// becomes target; the IP and ICMP checksums are made right again. It
// returns the IP packet.
func (x external) relabel(t testing.TB, from, to, target netip.Addr) []byte {
	t.Helper()
	frame, err := hex.DecodeString(strings.Join(strings.Fields(x.frame), ""))
	if err != nil || len(frame) < x.link+20+8+28 {
		t.Fatalf("%s: frame: %v", x.file, err)
	}
	ip := frame[x.link:]
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
	if x.extSum {
		sum(inner[compatAt:], 2)
	}
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
			var ifaces []InterfaceInfo
			var odd map[string]int
			if e := m.Extensions; e != nil {
				for _, l := range e.MPLS {
					got = append(got, l.Label)
				}
				ifaces, odd = e.Interfaces, e.odd.Map()
			}
			if fmt.Sprint(got) != fmt.Sprint(x.labels) || len(m.Quote) != x.quote {
				t.Errorf("labels %v, quote %d bytes; want %v and %d\n%s", got, len(m.Quote), x.labels, x.quote, pk.Text)
			}
			if !reflect.DeepEqual(ifaces, x.ifaces) || !reflect.DeepEqual(odd, x.odd) {
				t.Errorf("interfaces %+v, oddities %v; want %+v and %v\n%s", ifaces, odd, x.ifaces, x.odd, pk.Text)
			}
			// What tcpdump read, netdx reads.
			for _, s := range label.FindAllStringSubmatch(pk.Text, -1) {
				if !strings.Contains(fmt.Sprint(x.labels), s[1]) {
					t.Errorf("tcpdump shows label %s, netdx %v", s[1], got)
				}
			}
			q, err := ParseQuote(m.Quote)
			if err != nil || q.Dst != netip.MustParseAddr("198.18.2.2") {
				t.Fatalf("quote %+v: %v", q, err)
			}
			if q.Proto != ProtoICMP {
				return // Match reads echo requests' quotes
			}
			e := Expect{ID: int(binary.BigEndian.Uint16(q.Transport[4:])), Token: Token(q.Transport[8:])}
			if v := Match(e, b); v.Kind != Error || v.Unverified || v.ErrType != TypeTimeExceeded {
				t.Errorf("Match = %+v, want a verified time exceeded", v)
			}
		})
	}
}
