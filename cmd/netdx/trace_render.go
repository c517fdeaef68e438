package main

import (
	"net/netip"

	"netdx/dialect/mtr"
	"netdx/trace"
)

// packetBytes is the size of a probe packet, IP header included, as
// traceroute counts it.
func packetBytes(addr netip.Addr, cfg trace.Config) int {
	size := cfg.Size
	if size == 0 {
		size = 32
	}
	return cfg.Protocol.PacketSize(addr.Is6(), size)
}

// reportDoc is trace --report's JSON: netdx's report, and mtr's --json
// document under "report".
type reportDoc struct {
	trace.Report
	MTR mtr.JSON `json:"report"`
}
