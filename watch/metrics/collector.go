package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"netdx/diagnose"
	"netdx/link"
	"netdx/watch"
	"netdx/watch/audit"
)

// Source is what the collector reads at each scrape: a running watch.
type Source interface {
	Status() watch.Status
}

// Sink names a sink of the watch and how many records it dropped by its
// own account (a full backlog, a receiver away); Dropped may be nil.
type Sink struct {
	Name    string
	Dropped func() uint64
}

// Collector turns a watch's Status into metrics at scrape time, as
// client_golang's own collectors do: constant metrics made from the
// values read, no global state.
type Collector struct {
	src   Source
	sinks []Sink
	audit func() audit.Stats
	d     descs
}

type descs struct {
	info, rtt, requests, replies, echoErrors, loss                                          *prometheus.Desc
	hops, reached, pathError                                                                *prometheus.Desc
	ifUp, promiscuity, promiscFlag, ifErrors, ifDrops, ifErrRatio, ifDropRatio, ifCarrier   *prometheus.Desc
	tcpRatio, tcpOut, tcpRetrans                                                            *prometheus.Desc
	findings, raisedTotal, clearedTotal                                                     *prometheus.Desc
	status, evaluations, lastEval, hostFailures, snapshots, snapshotFailures                *prometheus.Desc
	sinkRecords, sinkRefused, sinkDropped                                                   *prometheus.Desc
	auditEvents, auditClosed, auditNotifications, auditOverruns, auditEvicted, auditTracked *prometheus.Desc
	auditPolls, auditPollErrors, auditFeed, auditRejected, auditPendingDropped              *prometheus.Desc
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("netdx_"+name, help, labels, nil)
}

// NewCollector returns a collector of src's status, its sinks' drops and,
// when auditStats is set, the connection audit's counts.
func NewCollector(src Source, sinks []Sink, auditStats func() audit.Stats) *Collector {
	tgt := []string{"target"}
	ifc := []string{"interface"}
	ifd := []string{"interface", "direction"}
	return &Collector{src: src, sinks: sinks, audit: auditStats, d: descs{
		info:       desc("target_info", "A watched target and the address it resolved to (1).", "target", "addr"),
		rtt:        desc("echo_rtt_seconds", "Round-trip time of echo replies (kernel receive timestamps).", tgt...),
		requests:   desc("echo_requests_total", "Echo requests decided (answered or lost).", tgt...),
		replies:    desc("echo_replies_total", "Echo requests answered in time.", tgt...),
		echoErrors: desc("echo_icmp_errors_total", "Echo requests answered by an ICMP error.", tgt...),
		loss:       desc("echo_loss_ratio", "Share of the echo requests in the rules' window that were lost.", tgt...),
		hops:       desc("path_hops", "Hops to the target in the last path rounds (the last answering hop when not reached).", tgt...),
		reached:    desc("path_reached", "Whether the last path rounds reached the target (1) or not (0).", tgt...),
		pathError:  desc("path_last_run_failed", "Whether the target's last path rounds failed.", tgt...),

		ifUp:        desc("interface_up", "Whether the interface is up with a carrier.", ifc...),
		promiscuity: desc("interface_promiscuity", "The kernel's promiscuity counter of the interface (tcpdump raises it without the PROMISC flag).", ifc...),
		promiscFlag: desc("interface_promisc_flag", "Whether the interface has the PROMISC flag that ifconfig shows.", ifc...),
		ifErrors:    desc("interface_errors_total", "Interface errors (the kernel's 64-bit counters).", ifd...),
		ifDrops:     desc("interface_drops_total", "Packets the interface dropped (the kernel's 64-bit counters).", ifd...),
		ifErrRatio:  desc("interface_error_ratio", "Errors per packet over the last sampled interval.", ifd...),
		ifDropRatio: desc("interface_drop_ratio", "Drops per packet over the last sampled interval.", ifd...),
		ifCarrier:   desc("interface_carrier_changes_total", "Carrier changes since the interface appeared.", ifc...),

		tcpRatio:   desc("tcp_retransmit_ratio", "Share of TCP segments retransmitted over the last sampled interval."),
		tcpOut:     desc("tcp_segments_sent_total", "TCP segments sent (OutSegs)."),
		tcpRetrans: desc("tcp_segments_retransmitted_total", "TCP segments retransmitted (RetransSegs)."),

		findings:     desc("findings", "Findings raised now, by kind and severity.", "kind", "severity"),
		raisedTotal:  desc("findings_raised_total", "Findings raised since the watch started.", "kind", "severity"),
		clearedTotal: desc("findings_cleared_total", "Findings cleared since the watch started.", "kind", "severity"),

		status:           desc("watch_status", "Status of the last evaluation: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."),
		evaluations:      desc("watch_evaluations_total", "Evaluations of the rules."),
		lastEval:         desc("watch_last_evaluation_timestamp_seconds", "When the rules last evaluated the evidence."),
		hostFailures:     desc("watch_host_check_failures_total", "Evaluations whose host check failed."),
		snapshots:        desc("watch_snapshots_total", "Snapshots taken on a threshold crossing."),
		snapshotFailures: desc("watch_snapshot_failures_total", "Snapshots that failed, in part or whole."),

		sinkRecords: desc("sink_records_total", "Records a sink took.", "sink"),
		sinkRefused: desc("sink_records_refused_total", "Records a sink refused.", "sink"),
		sinkDropped: desc("sink_records_dropped_total", "Records a sink dropped by its own account (full backlog, receiver away).", "sink"),

		auditEvents:         desc("audit_events_total", "Connection audit records: new listeners and inbound connections.", "event"),
		auditClosed:         desc("audit_closed_connections_total", "Inbound connections seen only in the kernel's destroy notifications."),
		auditNotifications:  desc("audit_notifications_total", "Socket destroy notifications read."),
		auditOverruns:       desc("audit_overruns_total", "Times the kernel dropped destroy notifications."),
		auditRejected:       desc("audit_rejected_total", "Destroy notifications that did not parse."),
		auditEvicted:        desc("audit_evicted_total", "Sockets forgotten for the audit's bound."),
		auditPendingDropped: desc("audit_pending_dropped_total", "Closed connections dropped while waiting for their listener."),
		auditTracked:        desc("audit_tracked_sockets", "Sockets and listeners the audit remembers."),
		auditPolls:          desc("audit_polls_total", "Reads of the socket table."),
		auditPollErrors:     desc("audit_poll_errors_total", "Reads of the socket table that failed."),
		auditFeed:           desc("audit_destroy_feed", "Whether destroy notifications are read (needs CAP_NET_ADMIN)."),
	}}
}

// Describe sends every descriptor.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.all() {
		ch <- d
	}
}

func (c *Collector) all() []*prometheus.Desc {
	d := c.d
	return []*prometheus.Desc{d.info, d.rtt, d.requests, d.replies, d.echoErrors, d.loss,
		d.hops, d.reached, d.pathError,
		d.ifUp, d.promiscuity, d.promiscFlag, d.ifErrors, d.ifDrops, d.ifErrRatio, d.ifDropRatio, d.ifCarrier,
		d.tcpRatio, d.tcpOut, d.tcpRetrans, d.findings, d.raisedTotal, d.clearedTotal,
		d.status, d.evaluations, d.lastEval, d.hostFailures, d.snapshots, d.snapshotFailures,
		d.sinkRecords, d.sinkRefused, d.sinkDropped,
		d.auditEvents, d.auditClosed, d.auditNotifications, d.auditOverruns, d.auditRejected, d.auditEvicted,
		d.auditPendingDropped, d.auditTracked, d.auditPolls, d.auditPollErrors, d.auditFeed}
}

// Kinds are the finding kinds every scrape reports (0 when none is
// raised), so that alerts see a series before the first finding.
var Kinds = []string{diagnose.KindLatencyJump, diagnose.KindHopICMPRateLimit, diagnose.KindPathLoss,
	diagnose.KindUnreachable, diagnose.KindTargetUnreachable, diagnose.KindSniffer, diagnose.KindPromiscuous,
	diagnose.KindInterfaceErrors, diagnose.KindInterfaceDown, diagnose.KindInterfaceFlapping,
	diagnose.KindRetransmits, diagnose.KindCleartextService, diagnose.KindUnexpectedGateway,
	diagnose.KindDeletedExecutable, diagnose.KindTimeWaitPileup}

var severities = []diagnose.Severity{diagnose.Info, diagnose.Warning, diagnose.Critical}

// Collect reads the status once and sends its metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Status()
	d := c.d
	gauge := func(desc *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, lv...)
	}
	counter := func(desc *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, v, lv...)
	}
	for _, t := range s.Targets {
		gauge(d.info, 1, t.Target, t.Addr)
		lv := []string{t.Target}
		buckets := make(map[float64]uint64, len(t.Buckets))
		var cum uint64
		for i, b := range t.Buckets {
			if i < len(t.Totals.Buckets) {
				cum += t.Totals.Buckets[i]
			}
			buckets[b] = cum
		}
		ch <- prometheus.MustNewConstHistogram(d.rtt, t.Totals.Received, t.Totals.RTTSum.Seconds(), buckets, lv...)
		counter(d.requests, float64(t.Totals.Sent), lv...)
		counter(d.replies, float64(t.Totals.Received), lv...)
		counter(d.echoErrors, float64(t.Totals.Errors), lv...)
		if t.Window > 0 {
			gauge(d.loss, t.LossPct/100, lv...)
		}
		if p := t.Path; p != nil {
			hops := p.TargetTTL
			if hops == 0 {
				for _, h := range p.Hops {
					if h.Received > 0 {
						hops = h.TTL
					}
				}
			}
			gauge(d.hops, float64(hops), lv...)
			gauge(d.reached, b2f(p.Reached), lv...)
		}
		if !t.PathTime.IsZero() {
			gauge(d.pathError, b2f(t.PathError != ""), lv...)
		}
	}
	if s.Host {
		c.collectHost(ch, s.Links, s.TCP)
	}
	raised := map[watch.FindingClass]int{}
	for _, f := range s.Raised {
		raised[watch.FindingClass{Kind: f.Kind, Severity: f.Severity}]++
	}
	for _, k := range Kinds {
		for _, sev := range severities {
			fc := watch.FindingClass{Kind: k, Severity: sev}
			gauge(d.findings, float64(raised[fc]), k, sev.String())
			// The totals of what happened only: a counter starts at
			// its first increment.
			if n := s.RaisedTotal[fc]; n > 0 {
				counter(d.raisedTotal, float64(n), k, sev.String())
			}
			if n := s.ClearedTotal[fc]; n > 0 {
				counter(d.clearedTotal, float64(n), k, sev.String())
			}
		}
	}
	if s.Evaluations > 0 {
		gauge(d.status, float64(s.Overall))
		gauge(d.lastEval, unix(s.Time))
	}
	counter(d.evaluations, float64(s.Evaluations))
	counter(d.hostFailures, float64(s.FailedChecks))
	counter(d.snapshots, float64(s.Snapshots))
	counter(d.snapshotFailures, float64(s.SnapshotErrors))
	for i, sk := range c.sinks {
		if i < len(s.Sinks) {
			counter(d.sinkRecords, float64(s.Sinks[i].Written), sk.Name)
			counter(d.sinkRefused, float64(s.Sinks[i].Failed), sk.Name)
		}
		if sk.Dropped != nil {
			counter(d.sinkDropped, float64(sk.Dropped()), sk.Name)
		}
	}
	if c.audit != nil {
		a := c.audit()
		counter(d.auditEvents, float64(a.Listeners), "listener")
		counter(d.auditEvents, float64(a.Connections), "connection")
		counter(d.auditClosed, float64(a.Closed))
		counter(d.auditNotifications, float64(a.Notifications))
		counter(d.auditOverruns, float64(a.Overruns))
		counter(d.auditRejected, float64(a.Rejected))
		counter(d.auditEvicted, float64(a.Evicted))
		counter(d.auditPendingDropped, float64(a.PendingDropped))
		counter(d.auditPolls, float64(a.Polls))
		counter(d.auditPollErrors, float64(a.PollErrors))
		gauge(d.auditTracked, float64(a.Tracked))
		gauge(d.auditFeed, b2f(a.Feed))
	}
}

func (c *Collector) collectHost(ch chan<- prometheus.Metric, links []link.Link, tcp link.TCP) {
	d := c.d
	gauge := func(desc *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, lv...)
	}
	counter := func(desc *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, v, lv...)
	}
	for _, l := range links {
		n := l.Name
		gauge(d.ifUp, b2f(l.Up && l.Carrier), n)
		gauge(d.promiscuity, float64(l.Promiscuity), n)
		gauge(d.promiscFlag, b2f(l.PromiscFlag), n)
		counter(d.ifCarrier, float64(l.CarrierChanges), n)
		st := l.Stats
		counter(d.ifErrors, float64(st.RxErrors), n, "receive")
		counter(d.ifErrors, float64(st.TxErrors), n, "transmit")
		counter(d.ifDrops, float64(st.RxDropped), n, "receive")
		counter(d.ifDrops, float64(st.TxDropped), n, "transmit")
		if r := l.Rates; r != nil && !r.Reset {
			gauge(d.ifErrRatio, r.RxErrorRatio, n, "receive")
			gauge(d.ifErrRatio, r.TxErrorRatio, n, "transmit")
			gauge(d.ifDropRatio, r.RxDropRatio, n, "receive")
			gauge(d.ifDropRatio, r.TxDropRatio, n, "transmit")
		}
	}
	counter(d.tcpOut, float64(tcp.OutSegs))
	counter(d.tcpRetrans, float64(tcp.RetransSegs))
	if iv := tcp.Interval; iv != nil && !iv.Reset {
		gauge(d.tcpRatio, iv.RetransRatio)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unix(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}
