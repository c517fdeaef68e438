package link

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"netdx/internal/fixture"
)

// ipLink is the part of "ip -s -s -d -j link" the comparison needs.
type ipLink struct {
	Index       int      `json:"ifindex"`
	Name        string   `json:"ifname"`
	Flags       []string `json:"flags"`
	MTU         int      `json:"mtu"`
	OperState   string   `json:"operstate"`
	Master      string   `json:"master"`
	Promiscuity uint32   `json:"promiscuity"`
	Allmulti    uint32   `json:"allmulti"`
	Address     string   `json:"address"`
	LinkInfo    struct {
		Kind string `json:"info_kind"`
	} `json:"linkinfo"`
	Stats64 struct {
		RX map[string]uint64 `json:"rx"`
		TX map[string]uint64 `json:"tx"`
	} `json:"stats64"`
}

func loadIPLinks(t *testing.T) []ipLink {
	t.Helper()
	b, err := os.ReadFile("testdata/ip_link.json")
	if err != nil {
		t.Fatal(err)
	}
	var links []ipLink
	if err := json.Unmarshal(b, &links); err != nil {
		t.Fatal(err)
	}
	return links
}

func parseFixture(t *testing.T) []Link {
	t.Helper()
	var out []Link
	for _, m := range fixture.ReadHex(t, "testdata/rtnl_link_dump.hex") {
		l, err := parseLinkMessage(m)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		out = append(out, l)
	}
	return out
}

// TestParseLinkDumpMatchesIP decodes a kernel link dump and checks every
// interface against what iproute2 printed for it at the same moment.
func TestParseLinkDumpMatchesIP(t *testing.T) {
	got := parseFixture(t)
	want := loadIPLinks(t)
	if len(got) != len(want) {
		t.Fatalf("%d links decoded, ip shows %d", len(got), len(want))
	}
	names := map[int]string{}
	for _, l := range got {
		names[l.Index] = l.Name
	}
	for i, w := range want {
		g := got[i]
		t.Run(w.Name, func(t *testing.T) {
			if g.Index != w.Index || g.Name != w.Name || g.MTU != w.MTU {
				t.Errorf("index/name/mtu = %d/%s/%d, ip says %d/%s/%d", g.Index, g.Name, g.MTU, w.Index, w.Name, w.MTU)
			}
			if g.OperState != strings.ToLower(w.OperState) {
				t.Errorf("oper state %s, ip says %s", g.OperState, w.OperState)
			}
			if g.Promiscuity != w.Promiscuity || g.Allmulti != w.Allmulti {
				t.Errorf("promiscuity/allmulti %d/%d, ip says %d/%d", g.Promiscuity, g.Allmulti, w.Promiscuity, w.Allmulti)
			}
			if g.PromiscFlag != slices.Contains(w.Flags, "PROMISC") {
				t.Errorf("PROMISC flag %v, ip flags %v", g.PromiscFlag, w.Flags)
			}
			for _, f := range w.Flags {
				if !slices.Contains(g.Flags, strings.ToLower(f)) {
					t.Errorf("flag %s missing from %v", f, g.Flags)
				}
			}
			if names[g.MasterIndex] != w.Master && !(g.MasterIndex == 0 && w.Master == "") {
				t.Errorf("master %q, ip says %q", names[g.MasterIndex], w.Master)
			}
			if g.Kind != w.LinkInfo.Kind || g.Address != w.Address {
				t.Errorf("kind/address %s/%s, ip says %s/%s", g.Kind, g.Address, w.LinkInfo.Kind, w.Address)
			}
			checkStats(t, g, w)
		})
	}
}

func checkStats(t *testing.T, g Link, w ipLink) {
	t.Helper()
	s := g.Stats
	rx := map[string]uint64{"bytes": s.RxBytes, "packets": s.RxPackets, "errors": s.RxErrors,
		"dropped": s.RxDropped, "over_errors": s.RxOverErrors, "multicast": s.Multicast,
		"length_errors": s.RxLengthErrors, "crc_errors": s.RxCRCErrors, "frame_errors": s.RxFrameErrors,
		"fifo_errors": s.RxFIFOErrors, "missed_errors": s.RxMissedErrors, "nohandler": s.RxNoHandler,
		"otherhost_dropped": s.RxOtherhostDropped, "compressed": s.RxCompressed}
	tx := map[string]uint64{"bytes": s.TxBytes, "packets": s.TxPackets, "errors": s.TxErrors,
		"dropped": s.TxDropped, "carrier_errors": s.TxCarrierErrors, "collisions": s.Collisions,
		"aborted_errors": s.TxAbortedErrors, "fifo_errors": s.TxFIFOErrors, "window_errors": s.TxWindowErrors,
		"heartbeat_errors": s.TxHeartbeatErrors, "carrier_changes": uint64(g.CarrierChanges), "compressed": s.TxCompressed}
	for dir, m := range map[string]map[string]uint64{"rx": w.Stats64.RX, "tx": w.Stats64.TX} {
		ours := rx
		if dir == "tx" {
			ours = tx
		}
		if len(m) == 0 {
			t.Errorf("ip printed no %s stats", dir)
		}
		for k, v := range m {
			o, ok := ours[k]
			if !ok {
				t.Errorf("%s %s: ip prints it, we do not decode it", dir, k)
				continue
			}
			if o != v {
				t.Errorf("%s %s = %d, ip says %d", dir, k, o, v)
			}
		}
	}
}

func TestParseLinkTruncated(t *testing.T) {
	msgs := fixture.ReadHex(t, "testdata/rtnl_link_dump.hex")
	m := msgs[1]
	if _, err := parseLinkMessage(m[:10]); !errors.Is(err, ErrTruncated) {
		t.Errorf("short ifinfomsg: err %v, want ErrTruncated", err)
	}
	// Cut inside an attribute: the attribute's length overruns.
	if _, err := parseLinkMessage(m[:sizeofIfInfomsg+6]); !errors.Is(err, ErrTruncated) {
		t.Errorf("cut attribute: err %v, want ErrTruncated", err)
	}
}

func FuzzParseLinkMessage(f *testing.F) {
	for _, m := range fixture.ReadHex(f, "testdata/rtnl_link_dump.hex") {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := parseLinkMessage(b)
		if err == nil && len(b) < sizeofIfInfomsg {
			t.Fatalf("accepted %d bytes", len(b))
		}
		_ = l.Stats.fields()
	})
}

// TestStats32Fallback: without IFLA_STATS64 the 32-bit IFLA_STATS is used.
func TestStats32Fallback(t *testing.T) {
	for _, m := range fixture.ReadHex(t, "testdata/rtnl_link_dump.hex") {
		want, err := parseLinkMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		// Rename the IFLA_STATS64 attribute to an unused type: only the
		// 32-bit copy of the counters is left.
		b := append([]byte(nil), m...)
		off := sizeofIfInfomsg
		for off+4 <= len(b) {
			l := int(binary.NativeEndian.Uint16(b[off:]))
			if binary.NativeEndian.Uint16(b[off+2:]) == unix.IFLA_STATS64 {
				binary.NativeEndian.PutUint16(b[off+2:], 0x0fff)
			}
			off += (l + 3) &^ 3
		}
		got, err := parseLinkMessage(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Stats != want.Stats || got.Stats.RxPackets == 0 && want.Name == "eth0" {
			t.Errorf("%s: 32-bit counters %+v, 64-bit %+v", want.Name, got.Stats, want.Stats)
		}
	}
}
