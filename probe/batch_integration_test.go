package probe

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"netdx/icmpmsg"
	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

// TestIntegrationConnBatch sends 40 echo requests, one of them with TTL 1,
// before reading anything, then reads them all: the replies arrive in
// batches (fewer reads than packets), each copied intact into the caller's
// buffer with its own kernel timestamp, and the error (raw socket: an ICMP
// message; datagram socket: the error queue) comes through between them.
func TestIntegrationConnBatch(t *testing.T) {
	const n, expiring = 40, 20
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].NoICMPRateLimit()
	p.Src.Sysctl("net.ipv4.ping_group_range", "0 0")
	for _, mode := range []Mode{ModeRaw, ModeDatagram} {
		for _, dst := range []netip.Addr{p.Target4(), p.Target6()} {
			t.Run(mode.String()+"/"+dst.String(), func(t *testing.T) {
				c := listenIn(t, p.Src, ConnConfig{IPv6: dst.Is6(), Mode: mode})
				e := icmpmsg.Expect{V6: c.IPv6(), ID: c.ID(), Datagram: !c.Raw(), Token: testToken, Size: DefaultPayload}
				answers := []string{"IcmpInEchoReps", "IcmpInTimeExcds"}
				if dst.Is6() {
					answers = []string{"Icmp6InEchoReplies", "Icmp6InTimeExcds"}
				}
				before := counted(t, p.Src, answers...)
				for seq := 1; seq <= n; seq++ {
					o := WriteOptions{}
					if seq == expiring {
						o.TTL = 1
					}
					b := Echo{V6: e.V6, ID: e.ID, Seq: seq, Token: testToken, Target: seq, SentNS: int64(seq), Size: DefaultPayload}.Marshal()
					if _, err := c.WriteTo(b, dst, o); err != nil {
						t.Fatal(err)
					}
				}
				// Every answer queued up before the first read.
				testkit.WaitFor(t, "the answers to reach the host", time.Millisecond, func() bool { return counted(t, p.Src, answers...) >= before+n })
				buf := make([]byte, 1500)
				var got [][]byte
				replies, errs := map[int]bool{}, 0
				_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
				for len(replies)+errs < n {
					pkt, err := c.ReadPacket(buf)
					if err != nil {
						t.Fatalf("after %d replies and %d errors: %v", len(replies), errs, err)
					}
					if !pkt.KernelTime {
						t.Errorf("packet without kernel timestamp")
					}
					got = append(got, bytes.Clone(pkt.Data))
					switch v := verdict(e, pkt); {
					case v.Kind == icmpmsg.Reply && v.Index == v.Seq && v.SentNS == int64(v.Seq) && !replies[v.Seq]:
						replies[v.Seq] = true
					case v.Kind == icmpmsg.Error && v.Seq == expiring && (pkt.Queued != nil) == !c.Raw():
						errs++
					default:
						t.Errorf("unexpected %+v (queued %v)", v, pkt.Queued)
					}
				}
				if replies[expiring] || errs != 1 {
					t.Errorf("seq %d: reply %v, %d errors; want the TTL expiry only", expiring, replies[expiring], errs)
				}
				// Every message was copied out whole: re-match the copies.
				for _, d := range got {
					if v := icmpmsg.Match(e, d); v.Kind == icmpmsg.Reply && !replies[v.Seq] {
						t.Errorf("copy of seq %d changed", v.Seq)
					}
				}
				if c.reads*2 > n {
					t.Errorf("%d reads for %d packets: no batching", c.reads, n)
				}
				t.Logf("%d packets in %d reads", n, c.reads)
			})
		}
	}
}

// counted is the sum of node n's kernel counters named (nstat's names).
func counted(t testing.TB, n *netlab.Node, names ...string) int64 {
	t.Helper()
	var d struct {
		Kernel map[string]int64 `json:"kernel"`
	}
	if err := json.Unmarshal([]byte(n.MustRun("nstat", "-saz", "--json")), &d); err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, name := range names {
		sum += d.Kernel[name]
	}
	return sum
}
