package sockets

import (
	"encoding/binary"
	"sort"
	"time"
)

// TCPInfo is the part of the kernel's struct tcp_info that tells how a
// connection is doing. Times are in milliseconds.
type TCPInfo struct {
	// Retransmits is the number of unrecovered RTO timeouts right now;
	// TotalRetrans every segment retransmitted over the connection's life.
	Retransmits  uint8   `json:"retransmits"`
	TotalRetrans uint32  `json:"total_retrans"`
	Lost         uint32  `json:"lost"`
	RTTMS        float64 `json:"rtt_ms"`
	RTTVarMS     float64 `json:"rttvar_ms"`
	RTOMS        float64 `json:"rto_ms"`
	MinRTTMS     float64 `json:"min_rtt_ms,omitempty"`
	SndCwnd      uint32  `json:"snd_cwnd"`
	SegsOut      uint32  `json:"segs_out,omitempty"`
	SegsIn       uint32  `json:"segs_in,omitempty"`
	BytesSent    uint64  `json:"bytes_sent,omitempty"`
	BytesRetrans uint64  `json:"bytes_retrans,omitempty"`
}

// RetransRatio is retransmitted segments over segments sent, or 0 when the
// kernel does not report segments sent.
func (t TCPInfo) RetransRatio() float64 {
	if t.SegsOut == 0 {
		return 0
	}
	return float64(t.TotalRetrans) / float64(t.SegsOut)
}

// WorstConnections returns up to n TCP connections of socks with the most
// retransmitted segments (at least one; tcp_info is needed), worst first:
// the connections a host's retransmit counters are about.
func WorstConnections(socks []Socket, n int) []Socket {
	var out []Socket
	for _, s := range socks {
		if s.TCPInfo != nil && s.TCPInfo.TotalRetrans > 0 {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].TCPInfo, out[j].TCPInfo
		if a.TotalRetrans != b.TotalRetrans {
			return a.TotalRetrans > b.TotalRetrans
		}
		return a.RetransRatio() > b.RetransRatio()
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func usToMS(us uint32) float64 {
	return float64(time.Duration(us)*time.Microsecond) / float64(time.Millisecond)
}

// parseTCPInfo decodes struct tcp_info (linux/tcp.h). Older kernels send a
// shorter structure: fields beyond its end stay zero.
func parseTCPInfo(b []byte) TCPInfo {
	u32 := func(off int) uint32 {
		if off+4 > len(b) {
			return 0
		}
		return binary.NativeEndian.Uint32(b[off:])
	}
	u64 := func(off int) uint64 {
		if off+8 > len(b) {
			return 0
		}
		return binary.NativeEndian.Uint64(b[off:])
	}
	var t TCPInfo
	if len(b) > 2 {
		t.Retransmits = b[2]
	}
	t.RTOMS = usToMS(u32(8))
	t.Lost = u32(32)
	t.RTTMS = usToMS(u32(68))
	t.RTTVarMS = usToMS(u32(72))
	t.SndCwnd = u32(80)
	t.TotalRetrans = u32(100)
	t.SegsOut = u32(136)
	t.SegsIn = u32(140)
	if m := u32(148); m != ^uint32(0) {
		t.MinRTTMS = usToMS(m)
	}
	t.BytesSent = u64(200)
	t.BytesRetrans = u64(208)
	return t
}
