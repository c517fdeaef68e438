package link

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Counters are the kernel's protocol counters by group and name, as in
// /proc/net/snmp ("Tcp" → "RetransSegs") and /proc/net/netstat ("TcpExt" →
// "TCPSynRetrans"); /proc/net/snmp6 lands in group "Ip6"/"Icmp6"/… by the
// prefix of its names.
type Counters map[string]map[string]int64

// Get returns a counter, 0 when missing.
func (c Counters) Get(group, name string) int64 { return c[group][name] }

// ParseSNMP reads the two-line format of /proc/net/snmp and
// /proc/net/netstat: a line of names and a line of values per group, both
// starting with "Group:".
func ParseSNMP(b []byte, into Counters) error {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var group string
	var names []string
	for sc.Scan() {
		line := sc.Text()
		g, rest, ok := strings.Cut(line, ":")
		if !ok {
			if strings.TrimSpace(line) == "" {
				continue
			}
			return fmt.Errorf("link: snmp: line without group: %q", line)
		}
		fields := strings.Fields(rest)
		if names == nil || g != group {
			group, names = g, fields
			continue
		}
		if len(fields) != len(names) {
			return fmt.Errorf("link: snmp: group %s has %d names but %d values", g, len(names), len(fields))
		}
		m := into[g]
		if m == nil {
			m = make(map[string]int64, len(names))
			into[g] = m
		}
		for i, v := range fields {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				// Some counters are unsigned 64-bit (Ip InOctets…).
				u, uerr := strconv.ParseUint(v, 10, 64)
				if uerr != nil {
					return fmt.Errorf("link: snmp: %s %s: %w", g, names[i], err)
				}
				n = int64(u)
			}
			m[names[i]] = n
		}
		names = nil
	}
	if names != nil {
		return fmt.Errorf("link: snmp: group %s has names but no values", group)
	}
	return sc.Err()
}

// ParseSNMP6 reads /proc/net/snmp6: one "Name value" pair a line, the group
// being the name's prefix (Ip6, Icmp6, Udp6, UdpLite6).
func ParseSNMP6(b []byte, into Counters) error {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return fmt.Errorf("link: snmp6: bad line %q", sc.Text())
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(f[1], 10, 64)
			if uerr != nil {
				return fmt.Errorf("link: snmp6: %s: %w", f[0], err)
			}
			n = int64(u)
		}
		group := "Ip6"
		for _, g := range []string{"Icmp6", "UdpLite6", "Udp6", "Ip6"} {
			if strings.HasPrefix(f[0], g) {
				group = g
				break
			}
		}
		m := into[group]
		if m == nil {
			m = map[string]int64{}
			into[group] = m
		}
		m[strings.TrimPrefix(f[0], group)] = n
	}
	return sc.Err()
}

// TCP is the host's (network namespace's) TCP health.
type TCP struct {
	InSegs      int64 `json:"in_segs"`
	OutSegs     int64 `json:"out_segs"`
	RetransSegs int64 `json:"retrans_segs"`
	// RetransRatio is RetransSegs / OutSegs since boot.
	RetransRatio   float64 `json:"retrans_ratio"`
	InErrs         int64   `json:"in_errs"`
	OutRsts        int64   `json:"out_rsts"`
	SynRetrans     int64   `json:"syn_retrans"`
	Timeouts       int64   `json:"timeouts"`
	LostRetransmit int64   `json:"lost_retransmit"`
	CurrEstab      int64   `json:"curr_estab"`
	// Interval holds the same counters' changes over the sampling
	// interval, when there was one.
	Interval *TCPInterval `json:"interval,omitempty"`
}

// TCPInterval is TCP activity over a sampling interval.
type TCPInterval struct {
	OutSegs        int64   `json:"out_segs"`
	RetransSegs    int64   `json:"retrans_segs"`
	RetransRatio   float64 `json:"retrans_ratio"`
	SynRetrans     int64   `json:"syn_retrans"`
	Timeouts       int64   `json:"timeouts"`
	LostRetransmit int64   `json:"lost_retransmit"`
	Reset          bool    `json:"reset,omitempty"`
}

// ICMP is the host's ICMP error counters, IPv4 and IPv6.
type ICMP struct {
	InMsgs     int64 `json:"in_msgs"`
	InErrors   int64 `json:"in_errors"`
	OutMsgs    int64 `json:"out_msgs"`
	OutErrors  int64 `json:"out_errors"`
	In6Msgs    int64 `json:"in6_msgs"`
	In6Errors  int64 `json:"in6_errors"`
	Out6Msgs   int64 `json:"out6_msgs"`
	Out6Errors int64 `json:"out6_errors"`
}

// TCPFrom picks the TCP health out of the counters.
func TCPFrom(c Counters) TCP {
	t := TCP{
		InSegs: c.Get("Tcp", "InSegs"), OutSegs: c.Get("Tcp", "OutSegs"),
		RetransSegs: c.Get("Tcp", "RetransSegs"), InErrs: c.Get("Tcp", "InErrs"),
		OutRsts: c.Get("Tcp", "OutRsts"), CurrEstab: c.Get("Tcp", "CurrEstab"),
		SynRetrans: c.Get("TcpExt", "TCPSynRetrans"), Timeouts: c.Get("TcpExt", "TCPTimeouts"),
		LostRetransmit: c.Get("TcpExt", "TCPLostRetransmit"),
	}
	t.RetransRatio = fratio(t.RetransSegs, t.OutSegs)
	return t
}

// ICMPFrom picks the ICMP counters out of the counters.
func ICMPFrom(c Counters) ICMP {
	return ICMP{
		InMsgs: c.Get("Icmp", "InMsgs"), InErrors: c.Get("Icmp", "InErrors"),
		OutMsgs: c.Get("Icmp", "OutMsgs"), OutErrors: c.Get("Icmp", "OutErrors"),
		In6Msgs: c.Get("Icmp6", "InMsgs"), In6Errors: c.Get("Icmp6", "InErrors"),
		Out6Msgs: c.Get("Icmp6", "OutMsgs"), Out6Errors: c.Get("Icmp6", "OutErrors"),
	}
}

// TCPDelta is the TCP activity between two samples; a counter that went
// backwards (a namespace re-created) gives Reset and zero changes.
func TCPDelta(prev, cur TCP) TCPInterval {
	d := TCPInterval{
		OutSegs: cur.OutSegs - prev.OutSegs, RetransSegs: cur.RetransSegs - prev.RetransSegs,
		SynRetrans: cur.SynRetrans - prev.SynRetrans, Timeouts: cur.Timeouts - prev.Timeouts,
		LostRetransmit: cur.LostRetransmit - prev.LostRetransmit,
	}
	if d.OutSegs < 0 || d.RetransSegs < 0 || d.SynRetrans < 0 || d.Timeouts < 0 || d.LostRetransmit < 0 {
		return TCPInterval{Reset: true}
	}
	d.RetransRatio = fratio(d.RetransSegs, d.OutSegs)
	return d
}

func fratio(n, d int64) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / float64(d)
}
