package main

import (
	"net/netip"

	"netdx/dialect/mtr"
	"netdx/trace"
)

// packetBytes is the size of a probe packet, IP header included, as
// traceroute counts it.
func packetBytes(addr netip.Addr, cfg trace.Config) int {
	return cfg.Protocol.PacketSize(addr.Is6(), cfg.Size)
}

// reportDoc is trace --report's JSON: netdx's report, and mtr's --json
// document under "report".
type reportDoc struct {
	trace.Report
	MTR mtr.JSON `json:"report"`
}
