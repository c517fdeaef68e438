package netlab

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// countTable is the nftables table of a node's counters, kept apart from
// its faults' table so that changing faults keeps the counts.
const countTable = "netlabcount"

// Counter counts the packets that match an nftables expression at one hook
// of a node, from the moment Count made it.
type Counter struct {
	n    *Node
	name string
}

// Count starts counting the packets that match (an nftables expression
// such as `udp dport 33434` or `oifname "eth1"`; "" for all) at hook in n.
// It counts before the node's faults act: at Forward, what the router was
// given to forward; at Output, what the node sent, its own ICMP included,
// before a fault drops any.
func (n *Node) Count(hook Hook, match string) *Counter {
	n.lab.tb.Helper()
	n.counters++
	c := &Counter{n: n, name: fmt.Sprintf("c%d", n.counters)}
	var b strings.Builder
	if n.counters == 1 {
		fmt.Fprintf(&b, "table inet %s {\n", countTable)
		for _, h := range []Hook{Forward, Input, Output} {
			fmt.Fprintf(&b, "  chain %s { type filter hook %s priority -10; policy accept; }\n", h, h)
		}
		b.WriteString("}\n")
	}
	fmt.Fprintf(&b, "add counter inet %s %s\n", countTable, c.name)
	fmt.Fprintf(&b, "add rule inet %s %s %s counter name %s\n", countTable, hook, match, c.name)
	n.nft(b.String())
	return c
}

// Packets is how many packets the counter has counted; it fails the test
// when nft cannot say.
func (c *Counter) Packets() uint64 {
	c.n.lab.tb.Helper()
	out, err := c.n.Run(context.Background(), "nft", "-j", "list", "counter", "inet", countTable, c.name)
	if err != nil {
		c.n.lab.tb.Fatal(err)
	}
	var doc struct {
		Nftables []struct {
			Counter *struct {
				Packets uint64 `json:"packets"`
			} `json:"counter"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		c.n.lab.tb.Fatalf("netlab: %s: nft counter %s: %v: %s", c.n.name, c.name, err, out)
	}
	for _, o := range doc.Nftables {
		if o.Counter != nil {
			return o.Counter.Packets
		}
	}
	c.n.lab.tb.Fatalf("netlab: %s: nft printed no counter %s: %s", c.n.name, c.name, out)
	return 0
}
