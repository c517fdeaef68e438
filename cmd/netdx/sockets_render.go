package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"netdx/sockets"
)

func isBadFilter(err error) bool { return errors.Is(err, sockets.ErrBadFilter) }

// renderSockets prints the table like ss, with cleartext services and
// unexpected gateways marked "!".
func renderSockets(w io.Writer, t sockets.Table, cfg sockets.Config) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "Proto\tState\tLocal\tRemote\tRecv-Q\tSend-Q\tUser"
	owners := t.Owners != nil
	if owners {
		head += "\tProcess"
	}
	if cfg.TCPInfo {
		head += "\tRTT ms\tRetrans"
	}
	fmt.Fprintln(tw, head+"\t")
	for _, s := range t.Sockets {
		proto := s.Proto
		if s.Family == "ipv6" {
			proto += "6"
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%d\t%s", proto, s.State, s.Local, s.Remote, s.RecvQ, s.SendQ, s.User)
		if owners {
			line += "\t" + ownerText(s.Owner, s.OtherOwners)
		}
		if cfg.TCPInfo {
			if s.TCPInfo != nil {
				line += fmt.Sprintf("\t%.3f\t%d", s.TCPInfo.RTTMS, s.TCPInfo.TotalRetrans)
			} else {
				line += "\t-\t-"
			}
		}
		if s.Cleartext != "" {
			line += fmt.Sprintf("\t! cleartext %s: use %s", s.Cleartext, s.Alternative)
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d socket(s) shown. All sockets by state: %s\n", len(t.Sockets), stateCounts(t.States))
	for _, p := range t.Pileups {
		fmt.Fprintf(w, "! %s %s pile-up: %d sockets, most with %s (%d)\n", p.Proto, p.State, p.Count, p.TopRemote, p.RemoteCount)
	}
	if t.Interrupted {
		fmt.Fprintln(w, "note: the socket table changed during the dump; counts may be off by a few")
	}
	if len(t.Routes) > 0 || cfg.Routes {
		fmt.Fprintln(w, "\nRoutes via gateways:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "Destination\tGateway\tInterface\tMetric\tTable\t")
		for _, r := range t.Routes {
			mark := ""
			if r.Unexpected {
				mark = "\t! unexpected gateway"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d%s\n", r.Dst, r.Gateway, r.Interface, r.Metric, r.Table, mark)
		}
		tw.Flush()
		if len(t.Routes) == 0 {
			fmt.Fprintln(w, "(none: no default gateway)")
		}
	}
}

func ownerText(o sockets.Owner, others []sockets.Owner) string {
	if o.PID == 0 {
		return "-"
	}
	s := fmt.Sprintf("%s[%d]", o.Process, o.PID)
	if len(others) > 0 {
		s += fmt.Sprintf(" +%d", len(others))
	}
	return s
}

func stateCounts(states map[string]map[string]int) string {
	var parts []string
	for _, proto := range []string{"tcp", "udp"} {
		m := states[proto]
		if m == nil {
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || (m[keys[i]] == m[keys[j]] && keys[i] < keys[j]) })
		var kv []string
		for _, k := range keys {
			kv = append(kv, fmt.Sprintf("%s %d", k, m[k]))
		}
		if len(kv) == 0 {
			kv = []string{"none"}
		}
		parts = append(parts, proto+": "+strings.Join(kv, ", "))
	}
	return strings.Join(parts, "; ")
}
