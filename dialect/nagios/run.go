package nagios

import (
	"time"

	"netdx/icmpmsg"
	"netdx/probe"
)

// PingRun follows a check_ping run event by event, as check_ping reads
// ping's lines: the first ICMP error check_ping knows ends the check
// CRITICAL, and with several hosts the first reply ends it, that host
// alive (check_ping calls the first alive even if it lost every packet).
type PingRun struct {
	hosts []probe.Target
	line  string // the error's line that ended the run
	alive int    // the first host to answer, -1 before
}

// NewPingRun follows a run of check_ping to hosts.
func NewPingRun(hosts []probe.Target) *PingRun { return &PingRun{hosts: hosts, alive: -1} }

// Event takes one of the run's events and reports whether it ends the
// run.
func (p *PingRun) Event(ev probe.Event) bool {
	if p.line != "" || p.alive >= 0 {
		return false
	}
	switch {
	case len(p.hosts) > 1 && ev.Kind == probe.EventReply:
		p.alive = ev.Target
		return true
	case ev.Kind == probe.EventError:
		h := p.hosts[ev.Target]
		v6 := h.Addr.Is6()
		p.line = checkPingError(v6, icmpmsg.Classify(v6, ev.ErrType, ev.ErrCode), h.Name)
		return p.line != ""
	}
	return false
}

// Output is check_ping's output after the run and its state: the ICMP
// error's line, the alive host's, or the first host's status line with
// its performance data (and the thresholds after it with verbose, as
// check_ping -v).
func (p *PingRun) Output(results []probe.Result, th Thresholds, verbose bool) (string, State) {
	switch {
	case p.line != "":
		return p.line, Critical
	case p.alive >= 0:
		return checkPingAlive(p.hosts[p.alive].Name), OK
	}
	out := CheckPingLine(results[0], th)
	if verbose {
		out += "\n" + th.Verbose()
	}
	return out, CheckPingState(results[0], th)
}

// PingDeadline is how long check_ping lets ping run: timeout seconds, or
// at least the time its packets take at the critical RTA, plus a second
// each.
func PingDeadline(timeout, packets int, th Thresholds) time.Duration {
	s := max(timeout, int(th.Crit.RTA/1000*float64(packets)+float64(packets)))
	return time.Duration(s) * time.Second
}

// ICMPRun follows a check_icmp run event by event: a host that sends an
// ICMP error is a lost cause (a source quench only slows check_icmp
// down), and when every host is, the run ends.
type ICMPRun struct {
	hosts []probe.Target
	lost  []*probe.Event // the error that made each host a lost cause
	down  int
}

// NewICMPRun follows a run of check_icmp to hosts.
func NewICMPRun(hosts []probe.Target) *ICMPRun {
	return &ICMPRun{hosts: hosts, lost: make([]*probe.Event, len(hosts))}
}

// Event takes one of the run's events and reports whether it ends the
// run.
func (r *ICMPRun) Event(ev probe.Event) bool {
	if ev.Kind != probe.EventError || r.lost[ev.Target] != nil {
		return false
	}
	if icmpmsg.Classify(r.hosts[ev.Target].Addr.Is6(), ev.ErrType, ev.ErrCode) == icmpmsg.SourceQuench {
		return false
	}
	r.lost[ev.Target], r.down = &ev, r.down+1
	return r.down == len(r.hosts)
}

// Output is check_icmp's line after the run and its state (see
// checkICMPLine); minAlive is -m, -1 without.
func (r *ICMPRun) Output(results []probe.Result, warn, crit ICMPThreshold, minAlive int) (string, State) {
	return checkICMPLine(results, r.lost, warn, crit, minAlive)
}

// ICMPDeadline is how long check_icmp runs: every packet to every host
// at its interval and at the critical RTA, within timeout seconds.
func ICMPDeadline(hosts, packets int, interval time.Duration, crit ICMPThreshold, timeout int) time.Duration {
	rta := time.Duration(crit.RTA * float64(time.Millisecond))
	longest := time.Duration(hosts)*time.Duration(packets)*(interval+rta) + rta
	return min(longest, time.Duration(timeout)*time.Second)
}
