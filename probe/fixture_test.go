package probe

import (
	"bufio"
	"encoding/hex"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"netdx/icmpmsg"
	"netdx/internal/netlab"
)

var updateFixtures = flag.Bool("update", false, "capture the packet fixtures in a lab namespace again")

// fixture is one message captured from a real socket: what recvmsg
// returned and what netdx must make of it.
type fixture struct {
	comment string
	raw, v6 bool
	id      int
	from    netip.Addr
	queued  bool
	data    []byte
	oob     []byte
	want    string // "reply seq=1 target=0 ttl=63" or "error type=11 code=0 seq=1 src=..."
}

func readFixture(t testing.TB, path string) fixture {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fx fixture
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if c, ok := strings.CutPrefix(line, "# "); ok {
			fx.comment = c
			continue
		}
		k, v, _ := strings.Cut(line, ": ")
		switch k {
		case "raw":
			fx.raw = v == "true"
		case "v6":
			fx.v6 = v == "true"
		case "id":
			fx.id, _ = strconv.Atoi(v)
		case "from":
			fx.from = netip.MustParseAddr(v)
		case "queued":
			fx.queued = v == "true"
		case "data":
			fx.data, err = hex.DecodeString(v)
		case "oob":
			fx.oob, err = hex.DecodeString(v)
		case "want":
			fx.want = v
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return fx
}

func (fx fixture) write(path string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\nraw: %v\nv6: %v\nid: %d\nfrom: %s\nqueued: %v\ndata: %x\noob: %x\nwant: %s\n",
		fx.comment, fx.raw, fx.v6, fx.id, fx.from, fx.queued, fx.data, fx.oob, fx.want)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// describe is what a test expects of a decoded and matched packet.
func describe(p Packet, v icmpmsg.Verdict) string {
	switch v.Kind {
	case icmpmsg.Reply:
		return fmt.Sprintf("reply seq=%d target=%d ttl=%d", v.Seq, v.Index, p.TTL)
	case icmpmsg.Error:
		return fmt.Sprintf("error type=%d code=%d seq=%d src=%s", v.ErrType, v.ErrCode, v.Seq, p.Src)
	}
	return fmt.Sprintf("%v %s", v.Kind, v.Reason)
}

// TestCapturedFixtures decodes and matches messages captured from real
// sockets in the lab: kernel timestamps, TTLs, IPv4 headers on raw
// sockets, error-queue entries of datagram sockets.
func TestCapturedFixtures(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "captured", "*.txt"))
	if len(paths) < 6 {
		t.Fatalf("%d fixtures in testdata/captured, want 6 (capture them with go test -run TestIntegrationCaptureFixtures -update)", len(paths))
	}
	for _, path := range paths {
		fx := readFixture(t, path)
		t.Run(filepath.Base(path), func(t *testing.T) {
			now := time.Now()
			p, err := decodePacket(fx.raw, fx.v6, message{data: fx.data, oob: fx.oob, from: fx.from, queued: fx.queued}, now)
			if err != nil {
				t.Fatal(err)
			}
			if !p.KernelTime || p.At.Equal(now) || p.At.Year() < 2020 {
				t.Errorf("no kernel timestamp decoded: %v %v", p.KernelTime, p.At)
			}
			v := verdict(icmpmsg.Expect{V6: fx.v6, ID: fx.id, Datagram: !fx.raw, Token: testToken, Size: DefaultPayload}, p)
			if got := describe(p, v); got != fx.want {
				t.Errorf("%s:\ngot  %s\nwant %s", fx.comment, got, fx.want)
			}
		})
	}
}

// TestIntegrationCaptureFixtures captures the fixtures again (with
// -update): an echo reply and a TTL expiry for raw and datagram sockets.
func TestIntegrationCaptureFixtures(t *testing.T) {
	if !*updateFixtures {
		t.Skip("captures fixtures only with -update")
	}
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].NoICMPRateLimit()
	p.Src.Sysctl("net.ipv4.ping_group_range", "0 0")
	dir := filepath.Join("testdata", "captured")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []bool{true, false} {
		for _, dst := range []netip.Addr{p.Target4(), p.Target6()} {
			for _, ttl := range []int{0, 1} {
				mode, kind := ModeDatagram, "reply"
				if raw {
					mode = ModeRaw
				}
				if ttl == 1 {
					kind = "ttl-exceeded"
				}
				c := listenIn(t, p.Src, ConnConfig{IPv6: dst.Is6(), Mode: mode})
				fx := captureOne(t, c, dst, ttl)
				c.Close()
				fam := map[bool]string{false: "v4", true: "v6"}[dst.Is6()]
				fx.comment = fmt.Sprintf("%s %s %s for an echo request to %s, TTL %d, as recvmsg returned it (captured by TestIntegrationCaptureFixtures -update)",
					mode, fam, kind, dst, map[bool]int{true: 64, false: ttl}[ttl == 0])
				name := fmt.Sprintf("%s-%s-%s.txt", mode, fam, kind)
				if err := fx.write(filepath.Join(dir, name)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

func captureOne(t *testing.T, c *Conn, dst netip.Addr, ttl int) fixture {
	t.Helper()
	b := Echo{V6: c.IPv6(), ID: c.ID(), Seq: 1, Token: testToken, SentNS: time.Now().UnixNano(), Size: DefaultPayload}.Marshal()
	if _, err := c.WriteTo(b, dst, WriteOptions{TTL: ttl}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for {
		m, err := c.recv(buf)
		if err != nil {
			t.Fatalf("capture to %s: %v", dst, err)
		}
		pkt, err := decodePacket(c.raw, c.v6, m, time.Now())
		if err != nil {
			continue
		}
		v := verdict(icmpmsg.Expect{V6: c.v6, ID: c.id, Datagram: !c.raw, Token: testToken, Size: DefaultPayload}, pkt)
		if v.Kind != icmpmsg.Reply && v.Kind != icmpmsg.Error {
			continue
		}
		return fixture{raw: c.raw, v6: c.v6, id: c.id, from: m.from, queued: m.queued,
			data: append([]byte(nil), m.data...), oob: append([]byte(nil), m.oob...), want: describe(pkt, v)}
	}
}
