package probe

import (
	"context"
	"fmt"
	"testing"
	"time"

	"netdx/icmpmsg"
	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

// BenchmarkIntegrationReadBatch measures reading echo replies that wait on
// the socket, 64 at a time, with one message per read (recvmsg-like) and
// with batches (recvmmsg): the reader's cost per reply when many targets
// answer together. Needs root (a lab namespace).
func BenchmarkIntegrationReadBatch(b *testing.B) {
	const burst = 64
	l := netlab.New(b)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	dst := p.Target4()
	for _, vlen := range []int{1, batchLen} {
		b.Run(fmt.Sprintf("vlen=%d", vlen), func(b *testing.B) {
			var c *Conn
			if err := p.Src.Do(func() (err error) {
				c, err = Listen(context.Background(), ConnConfig{Mode: ModeRaw})
				return err
			}); err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			c.vlen = vlen
			reqs := make([][]byte, burst)
			for i := range reqs {
				reqs[i] = Echo{ID: c.ID(), Seq: i, Token: testToken, Target: i, Size: DefaultPayload}.Marshal()
			}
			e := icmpmsg.Expect{ID: c.ID(), Token: testToken, Size: DefaultPayload}
			buf := make([]byte, 65536)
			var read time.Duration
			for b.Loop() {
				before := counted(b, p.Src, "IcmpInEchoReps")
				for _, r := range reqs {
					if _, err := c.WriteTo(r, dst, WriteOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				// The burst's replies queue up.
				testkit.WaitFor(b, "the replies to reach the host", 100*time.Microsecond, func() bool { return counted(b, p.Src, "IcmpInEchoReps") >= before+burst })
				_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
				start := time.Now()
				for got := 0; got < burst; {
					pkt, err := c.ReadPacket(buf)
					if err != nil {
						b.Fatal(err)
					}
					if icmpmsg.Match(e, pkt.Data).Kind == icmpmsg.Reply {
						got++
					}
				}
				read += time.Since(start)
			}
			b.ReportMetric(float64(read.Nanoseconds())/float64(b.N*burst), "read-ns/reply")
		})
	}
}
