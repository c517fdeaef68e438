package trace

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"time"
)

// UnmarshalJSON reads back what MarshalJSON wrote, so that recorded
// traces (test fixtures, journals) can be read again. The raw ICMP type
// and code are -1 when absent, as for a probe without an ICMP answer.
func (p *Probe) UnmarshalJSON(b []byte) error {
	var j probeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*p = Probe{Timeout: j.Timeout && !j.RateLimited, RateLimited: j.RateLimited, Annotation: j.Annotation,
		ICMPType: -1, ICMPCode: -1, TCPFlags: j.TCPFlags, ReplyTTL: j.ReplyTTL, Flow: j.Flow, SentTTL: j.SentTTL,
		Attempts: max(j.Attempts, 1), Unverified: j.Unverified && j.Addr != ""}
	if j.Addr != "" {
		a, err := netip.ParseAddr(j.Addr)
		if err != nil {
			return fmt.Errorf("trace: probe address: %w", err)
		}
		p.Addr = a
	}
	if j.RTT != nil {
		p.RTT = time.Duration(*j.RTT * float64(time.Millisecond))
	}
	if j.ICMPType != nil && j.ICMPCode != nil {
		p.ICMPType, p.ICMPCode = *j.ICMPType, *j.ICMPCode
	}
	if len(j.MPLS) > 0 || len(j.Interfaces) > 0 {
		p.Extensions = &Extensions{MPLS: j.MPLS, Interfaces: j.Interfaces}
	}
	return nil
}
