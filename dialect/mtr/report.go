package mtr

import (
	"fmt"
	"io"
	"math"
	"net/netip"
	"strings"
	"time"

	"netdx/trace"
)

// mtr 0.95's report, byte for byte: a Start line, "HOST: name" and mtr's
// columns (Loss% Snt Last Avg Best Wrst StDev) at mtr's offsets, host
// names cut to fit as mtr cuts them; scripts read the columns by
// position. Wide widens the host column as mtr's --report-wide does, and
// adds netdx's columns after mtr's: Fwd% (forward loss: lost with every
// later probe of its round, the path rather than the hop's own ICMP), Lim
// (probes a rate-limited hop left unanswered) and the last unreachable
// mark.

// Layout is what a report table shows besides the report itself.
type Layout struct {
	Start time.Time
	Local string // this host's name, for "HOST:"
	Wide  bool
}

// hostWidth is mtr's host column without --report-wide.
const hostWidth = 33

// Report writes rep as mtr's report table; host shows an address
// (numeric or with its reverse name).
func Report(w io.Writer, rep trace.Report, o Layout, host func(netip.Addr) string) {
	names := make([]string, len(rep.Hops))
	width := hostWidth
	if o.Wide {
		width = len(o.Local)
	}
	for i, h := range rep.Hops {
		names[i] = "???"
		if len(h.Addrs) > 0 {
			names[i] = host(h.Addrs[0])
		}
		if o.Wide {
			width = max(width, len(names[i]))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Start: %s\n", o.Start.Format("2006-01-02T15:04:05-0700"))
	head := fmt.Sprintf("HOST: %-*s", width, o.Local)
	b.WriteString(prefix(head, width, o.Wide))
	b.WriteString(" Loss%   Snt   Last   Avg  Best  Wrst StDev")
	if o.Wide {
		b.WriteString("  Fwd%  Lim")
	}
	b.WriteString("\n")
	for i, h := range rep.Hops {
		row := fmt.Sprintf(" %2d.|-- %-*s", h.TTL, width, names[i])
		b.WriteString(prefix(row, width, o.Wide))
		m := figures(h)
		fmt.Fprintf(&b, " %4.1f%% %5d  %5.1f %5.1f %5.1f %5.1f %5.1f", m.Loss, m.Snt, m.Last, m.Avg, m.Best, m.Wrst, m.StDev)
		if o.Wide {
			fmt.Fprintf(&b, " %4.1f%% %4d", h.FwdLossPct(), h.RateLimited)
			if h.Annotation != "" {
				b.WriteString(" " + h.Annotation)
			}
		}
		b.WriteString("\n")
		for _, a := range h.Addrs[min(1, len(h.Addrs)):] {
			fmt.Fprintf(&b, "    |-- %s\n", host(a))
		}
	}
	io.WriteString(w, b.String())
}

// prefix is the part of a header or row before mtr's columns: mtr writes
// its columns at offset width, over the end of a longer name, and after
// the whole name with --report-wide.
func prefix(s string, width int, wide bool) string {
	if wide {
		return s
	}
	if len(s) > width {
		return s[:width]
	}
	return fmt.Sprintf("%-*s", width, s)
}

// Hub is a hop as mtr's --json has it; the figures are those of mtr's
// columns.
type Hub struct {
	Count int     `json:"count"`
	Host  string  `json:"host"`
	Loss  float64 `json:"Loss%"`
	Snt   int     `json:"Snt"`
	Last  float64 `json:"Last"`
	Avg   float64 `json:"Avg"`
	Best  float64 `json:"Best"`
	Wrst  float64 `json:"Wrst"`
	StDev float64 `json:"StDev"`
}

// figures are a hop's figures as mtr defines them, in milliseconds to the
// microsecond: the standard deviation of a sample (n-1), as mtr's. Loss%
// is netdx's: probes a rate-limited hop left unanswered while it answered
// others are not loss (they are Lim).
func figures(h trace.ReportHop) Hub {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	m := Hub{Count: h.TTL, Host: "???", Loss: h.LossPct(), Snt: h.Sent}
	if len(h.Addrs) > 0 {
		m.Host = h.Addrs[0].String()
	}
	if h.Received > 0 {
		m.Last, m.Avg, m.Best, m.Wrst = ms(h.Last), ms(h.Avg), ms(h.Best), ms(h.Worst)
		m.StDev = ms(sampleStDev(h.RTTs))
	}
	return m
}

// sampleStDev is the standard deviation of a sample, 0 below two values.
func sampleStDev(d []time.Duration) time.Duration {
	if len(d) < 2 {
		return 0
	}
	var sum float64
	for _, x := range d {
		sum += float64(x)
	}
	mean := sum / float64(len(d))
	var v float64
	for _, x := range d {
		v += (float64(x) - mean) * (float64(x) - mean)
	}
	return time.Duration(math.Sqrt(v / float64(len(d)-1)))
}

// JSON is mtr --json's document of a report (mtr's keys: scripts written
// for mtr -j read it as they read mtr's).
type JSON struct {
	MTR struct {
		Src        string `json:"src"`
		Dst        string `json:"dst"`
		TOS        int    `json:"tos"`
		Tests      int    `json:"tests"`
		PSize      string `json:"psize"`
		BitPattern string `json:"bitpattern"`
	} `json:"mtr"`
	Hubs []Hub `json:"hubs"`
}

// NewJSON is mtr's document of rep, traced from local with probes of size
// bytes (traceroute's header figure).
func NewJSON(rep trace.Report, local string, size int) JSON {
	var d JSON
	m := &d.MTR
	m.Src, m.Dst, m.Tests, m.PSize, m.BitPattern = local, rep.Target, rep.Rounds, fmt.Sprint(size), "0x00"
	d.Hubs = []Hub{}
	for _, h := range rep.Hops {
		d.Hubs = append(d.Hubs, figures(h))
	}
	return d
}
