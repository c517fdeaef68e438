package probe

import "golang.org/x/net/bpf"

// echoIDFilter is the socket filter of a raw ICMP socket whose echo
// requests carry id: echo replies with another id (another ping's, the
// echo streams' of the same watch) are dropped by the kernel instead of
// waking the reader, everything else passes to the type filter and to
// icmpmsg, which still checks the id of what it reads. On an IPv4 raw
// socket the data starts with the IP header, whose length the filter
// reads; on an IPv6 one with the ICMPv6 header.
func echoIDFilter(v6 bool, id int) []bpf.Instruction {
	reply, at := uint32(0), []bpf.Instruction{bpf.LoadMemShift{Off: 0}}
	load := func(off uint32, size int) bpf.Instruction { return bpf.LoadIndirect{Off: off, Size: size} }
	if v6 {
		reply, at = 129, nil
		load = func(off uint32, size int) bpf.Instruction { return bpf.LoadAbsolute{Off: off, Size: size} }
	}
	return append(at,
		load(0, 1), // ICMP type
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: reply, SkipTrue: 3},
		load(4, 2), // echo id
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(uint16(id)), SkipTrue: 1},
		bpf.RetConstant{Val: 0},
		bpf.RetConstant{Val: 0xffffffff},
	)
}
