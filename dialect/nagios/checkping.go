package nagios

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"netdx/icmpmsg"
	"netdx/probe"
)

// pingFigures are the loss and RTA check_ping would read off iputils'
// output: the loss percentage truncated, the average to the microsecond.
func pingFigures(r probe.Result) (pl int, rta float64) {
	pl = int(r.LossPct)
	if r.RTT != nil {
		rta = math.Round(r.RTT.Avg*1000) / 1000
	}
	return pl, rta
}

// CheckPingState is check_ping's verdict on one target's result.
func CheckPingState(r probe.Result, th Thresholds) State {
	if r.Error != "" {
		return Unknown
	}
	pl, rta := pingFigures(r)
	if pl == 100 {
		rta = th.Crit.RTA
	}
	state := OK
	switch {
	case pl >= th.Crit.Loss || rta >= th.Crit.RTA:
		state = Critical
	case pl >= th.Warn.Loss || rta >= th.Warn.RTA:
		state = Warning
	}
	if r.Duplicates > 0 {
		state = max(state, Warning)
	}
	return state
}

// CheckPingLine is check_ping's status line with its performance data.
func CheckPingLine(r probe.Result, th Thresholds) string {
	if r.Error != "" {
		return fmt.Sprintf("PING UNKNOWN - Host not found (%s): %s", r.Target, r.Error)
	}
	state := CheckPingState(r, th)
	pl, rta := pingFigures(r)
	warnText := ""
	if r.Duplicates > 0 {
		warnText = "DUPLICATES FOUND! "
	}
	var b strings.Builder
	if pl == 100 {
		fmt.Fprintf(&b, "PING %s - %sPacket loss = %d%%", state, warnText, pl)
		fmt.Fprintf(&b, "| rta=U;%f;%f;;", th.Warn.RTA, th.Crit.RTA)
	} else {
		fmt.Fprintf(&b, "PING %s - %sPacket loss = %d%%, RTA = %2.2f ms", state, warnText, pl, rta)
		b.WriteString("|rta=" + strconv.FormatFloat(rta, 'f', 6, 64) + "ms;")
		if th.Warn.RTA > 0 {
			b.WriteString(strconv.FormatFloat(th.Warn.RTA, 'f', 6, 64))
		}
		b.WriteString(";")
		if th.Crit.RTA > 0 {
			b.WriteString(strconv.FormatFloat(th.Crit.RTA, 'f', 6, 64))
		}
		b.WriteString(";0.000000")
	}
	fmt.Fprintf(&b, " pl=%d%%;", pl)
	if th.Warn.Loss > 0 {
		b.WriteString(strconv.Itoa(th.Warn.Loss))
	}
	b.WriteString(";")
	if th.Crit.Loss > 0 {
		b.WriteString(strconv.Itoa(th.Crit.Loss))
	}
	b.WriteString(";0;") // check_ping ends the perfdata with ";"
	return b.String()
}

// checkPingAlive is check_ping's line for the first of several hosts to
// answer.
func checkPingAlive(host string) string { return host + " is alive" }

// checkPingError is check_ping's line when ping reports an ICMP error of
// meaning m from host (IPv6 when v6), which ends the check CRITICAL; ""
// when check_ping goes on.
//
// check_ping reads iputils' lines and knows some of their words, and
// iputils words the families differently: every ICMPv6 Destination
// Unreachable starts "Destination unreachable: " and every Time Exceeded
// "Time exceeded", which check_ping takes for an unreachable and a TTL
// exceeded, while ICMP's lines for an unknown code or a fragment
// reassembly time exceeded say nothing it knows. The words below are
// check_ping's for each meaning, family by family.
func checkPingError(v6 bool, m icmpmsg.Meaning, host string) string {
	s := pingErrorStatus(v6, m)
	if s == "" {
		return ""
	}
	return fmt.Sprintf("CRITICAL - %s (%s)", s, host)
}

func pingErrorStatus(v6 bool, m icmpmsg.Meaning) string {
	switch m {
	case icmpmsg.NetUnreachable, icmpmsg.NetUnreachableForTOS:
		return "Network Unreachable"
	case icmpmsg.HostUnreachable, icmpmsg.HostUnreachableForTOS:
		return "Host Unreachable"
	case icmpmsg.PortUnreachable:
		return "Bogus ICMP: Port Unreachable"
	case icmpmsg.ProtocolUnreachable:
		return "Bogus ICMP: Protocol Unreachable"
	case icmpmsg.NetProhibited:
		return "Network Prohibited"
	case icmpmsg.HostProhibited:
		return "Host Prohibited"
	case icmpmsg.AdminProhibited:
		return "Packet Filtered"
	case icmpmsg.TTLExceeded, icmpmsg.TimeExceededBadCode:
		return "Time to live exceeded"
	case icmpmsg.ReassemblyTimeExceeded:
		if v6 {
			return "Time to live exceeded"
		}
	}
	if v6 && m.Unreachable() && m != icmpmsg.FragmentationNeeded {
		return "Destination Unreachable"
	}
	return ""
}
