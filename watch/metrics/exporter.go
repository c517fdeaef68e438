package metrics

import (
	"slices"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"

	"netdx/diagnose"
	"netdx/link"
	"netdx/watch"
	"netdx/watch/audit"
)

// Source is what the exporter reads at each scrape: a running watch.
type Source interface {
	Status() watch.Status
}

// Sink names a sink of the watch and how many records it dropped by its
// own account (a full backlog, a receiver away); Dropped may be nil.
type Sink struct {
	Name    string
	Dropped func() uint64
}

// Exporter turns a watch's Status into the netdx_ metric families at
// each scrape, as a client_golang TransactionalGatherer. The per-target
// series, nearly all of a page of hundreds of targets, are kept between
// scrapes and rewritten in place: a scrape holds the exporter until its
// page is written (the gatherer's done), so no two scrapes share them,
// and a scrape of 254 targets allocates a few hundred objects instead of
// fifty thousand. The rest (host, findings, the watch's own counts) is
// made afresh: a few hundred series.
type Exporter struct {
	src   Source
	sinks []Sink
	audit func() audit.Stats

	mu      sync.Mutex // held from Gather to done
	targets []*targetSeries
	tfams   [len(targetFamilies)]*dto.MetricFamily
}

// NewExporter returns an exporter of src's status, its sinks' drops and,
// when auditStats is set, the connection audit's counts.
func NewExporter(src Source, sinks []Sink, auditStats func() audit.Stats) *Exporter {
	e := &Exporter{src: src, sinks: sinks, audit: auditStats}
	for i, f := range targetFamilies {
		e.tfams[i] = f.family()
	}
	return e
}

// family is a metric family's name (without netdx_), help and type.
type family struct {
	name, help string
	typ        dto.MetricType
}

func (f family) family() *dto.MetricFamily {
	name, help, typ := "netdx_"+f.name, f.help, f.typ
	return &dto.MetricFamily{Name: &name, Help: &help, Type: &typ}
}

const (
	gaugeT     = dto.MetricType_GAUGE
	counterT   = dto.MetricType_COUNTER
	histogramT = dto.MetricType_HISTOGRAM
)

// The per-target families, in targetSeries' order.
var targetFamilies = [...]family{
	{"target_info", "A watched target and the address it resolved to (1).", gaugeT},
	{"echo_rtt_seconds", "Round-trip time of echo replies (kernel receive timestamps).", histogramT},
	{"echo_requests_total", "Echo requests decided (answered or lost).", counterT},
	{"echo_replies_total", "Echo requests answered in time.", counterT},
	{"echo_icmp_errors_total", "Echo requests answered by an ICMP error.", counterT},
	{"echo_loss_ratio", "Share of the echo requests in the rules' window that were lost.", gaugeT},
	{"path_hops", "Hops to the target in the last path rounds (the last answering hop when not reached).", gaugeT},
	{"path_reached", "Whether the last path rounds reached the target (1) or not (0).", gaugeT},
	{"path_last_run_failed", "Whether the target's last path rounds failed.", gaugeT},
}

const (
	tInfo = iota
	tRTT
	tRequests
	tReplies
	tErrors
	tLoss
	tHops
	tReached
	tPathFailed
)

// targetSeries is one target's series, kept between scrapes: a scrape
// writes the values through the pointers the metrics hold.
type targetSeries struct {
	target, addr string
	metrics      [len(targetFamilies)]dto.Metric
	values       [len(targetFamilies)]float64
	count        uint64
	sum          float64
	bounds       []float64
	cumulative   []uint64
}

// newTargetSeries makes t's series: the label pairs shared by all, the
// histogram's buckets for bounds.
func newTargetSeries(target, addr string, bounds []float64) *targetSeries {
	return &targetSeries{target: target, addr: addr, bounds: bounds, cumulative: make([]uint64, len(bounds))}
}

// wire points ts's metrics at its values.
func (ts *targetSeries) wire() {
	tl := []*dto.LabelPair{pair("target", ts.target)}
	for i := range ts.metrics {
		m := &ts.metrics[i]
		m.Label = tl
		switch targetFamilies[i].typ {
		case gaugeT:
			m.Gauge = &dto.Gauge{Value: &ts.values[i]}
		case counterT:
			m.Counter = &dto.Counter{Value: &ts.values[i]}
		case histogramT:
			h := &dto.Histogram{SampleCount: &ts.count, SampleSum: &ts.sum}
			for j := range ts.bounds {
				h.Bucket = append(h.Bucket, &dto.Bucket{UpperBound: &ts.bounds[j], CumulativeCount: &ts.cumulative[j]})
			}
			m.Histogram = h
		}
	}
	ts.metrics[tInfo].Label = []*dto.LabelPair{pair("addr", ts.addr), tl[0]}
	ts.values[tInfo] = 1
}

func pair(name, value string) *dto.LabelPair { return &dto.LabelPair{Name: &name, Value: &value} }

// Gather returns the netdx_ families of the status now, sorted by name;
// done must be called once the page is written.
func (e *Exporter) Gather() ([]*dto.MetricFamily, func(), error) {
	e.mu.Lock()
	s := e.src.Status()
	var p page
	e.gatherRest(s, &p)
	e.gatherTargets(s.Targets, &p)
	slices.SortFunc(p.fams, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return p.fams, e.mu.Unlock, nil
}

// gatherTargets rewrites the per-target series in place, in the order of
// the targets' names (the order client_golang's registry would give).
func (e *Exporter) gatherTargets(targets []watch.TargetStatus, p *page) {
	if !e.sameTargets(targets) {
		e.targets = make([]*targetSeries, len(targets))
		for i, t := range targets {
			e.targets[i] = newTargetSeries(t.Target, t.Addr, slices.Clone(t.Buckets))
		}
		slices.SortFunc(e.targets, func(a, b *targetSeries) int {
			if c := strings.Compare(a.target, b.target); c != 0 {
				return c
			}
			return strings.Compare(a.addr, b.addr)
		})
		for _, ts := range e.targets {
			ts.wire()
		}
	}
	byName := make(map[string]*watch.TargetStatus, len(targets))
	for i := range targets {
		byName[targets[i].Target+"\x00"+targets[i].Addr] = &targets[i]
	}
	for _, mf := range e.tfams {
		mf.Metric = mf.Metric[:0]
	}
	for _, ts := range e.targets {
		t := byName[ts.target+"\x00"+ts.addr]
		if t == nil {
			continue // a duplicate name: its first status only
		}
		delete(byName, ts.target+"\x00"+ts.addr)
		present := ts.set(t)
		for j, mf := range e.tfams {
			if present[j] {
				mf.Metric = append(mf.Metric, &ts.metrics[j])
			}
		}
	}
	for _, mf := range e.tfams {
		if len(mf.Metric) > 0 {
			p.fams = append(p.fams, mf)
		}
	}
}

// sameTargets reports whether the kept series are targets' (same names,
// addresses and bucket bounds), which is the rule: a watch's targets are
// fixed when it starts.
func (e *Exporter) sameTargets(targets []watch.TargetStatus) bool {
	if len(e.targets) != len(targets) {
		return false
	}
	seen := make(map[string]int, len(targets))
	for _, ts := range e.targets {
		seen[ts.target+"\x00"+ts.addr]++
	}
	for _, t := range targets {
		k := t.Target + "\x00" + t.Addr
		if seen[k] == 0 {
			return false
		}
		seen[k]--
	}
	return len(targets) == 0 || slices.Equal(e.targets[0].bounds, targets[0].Buckets)
}

// set writes t's values and reports which of its series exist now.
func (ts *targetSeries) set(t *watch.TargetStatus) (present [len(targetFamilies)]bool) {
	present[tInfo] = true
	present[tRTT], present[tRequests], present[tReplies], present[tErrors] = true, true, true, true
	var cum uint64
	for i := range ts.cumulative {
		if i < len(t.Totals.Buckets) {
			cum += t.Totals.Buckets[i]
		}
		ts.cumulative[i] = cum
	}
	ts.count, ts.sum = t.Totals.Received, t.Totals.RTTSum.Seconds()
	ts.values[tRequests] = float64(t.Totals.Sent)
	ts.values[tReplies] = float64(t.Totals.Received)
	ts.values[tErrors] = float64(t.Totals.Errors)
	if t.Window > 0 {
		present[tLoss], ts.values[tLoss] = true, t.LossPct/100
	}
	if pr := t.Path; pr != nil {
		hops := pr.TargetTTL
		if hops == 0 {
			for _, h := range pr.Hops {
				if h.Received > 0 {
					hops = h.TTL
				}
			}
		}
		present[tHops], ts.values[tHops] = true, float64(hops)
		present[tReached], ts.values[tReached] = true, b2f(pr.Reached)
	}
	if !t.PathTime.IsZero() {
		present[tPathFailed], ts.values[tPathFailed] = true, b2f(t.PathError != "")
	}
	return present
}

// page is the families of one scrape.
type page struct {
	fams []*dto.MetricFamily
}

// add starts a family made for this scrape.
func (p *page) add(f family) *dto.MetricFamily {
	mf := f.family()
	p.fams = append(p.fams, mf)
	return mf
}

// series appends a gauge or counter of v to mf, with labels given as
// name, value pairs in the order of their names.
func series(mf *dto.MetricFamily, v float64, labels ...string) {
	m := &dto.Metric{}
	for i := 0; i+1 < len(labels); i += 2 {
		m.Label = append(m.Label, pair(labels[i], labels[i+1]))
	}
	if mf.GetType() == counterT {
		m.Counter = &dto.Counter{Value: &v}
	} else {
		m.Gauge = &dto.Gauge{Value: &v}
	}
	mf.Metric = append(mf.Metric, m)
}

// The other families, made at each scrape.
var (
	fIfUp        = family{"interface_up", "Whether the interface is up with a carrier.", gaugeT}
	fPromiscuity = family{"interface_promiscuity", "The kernel's promiscuity counter of the interface (tcpdump raises it without the PROMISC flag).", gaugeT}
	fPromiscFlag = family{"interface_promisc_flag", "Whether the interface has the PROMISC flag that ifconfig shows.", gaugeT}
	fIfErrors    = family{"interface_errors_total", "Interface errors (the kernel's 64-bit counters).", counterT}
	fIfDrops     = family{"interface_drops_total", "Packets the interface dropped (the kernel's 64-bit counters).", counterT}
	fIfErrRatio  = family{"interface_error_ratio", "Errors per packet over the last sampled interval.", gaugeT}
	fIfDropRatio = family{"interface_drop_ratio", "Drops per packet over the last sampled interval.", gaugeT}
	fIfCarrier   = family{"interface_carrier_changes_total", "Carrier changes since the interface appeared.", counterT}

	fTCPRatio   = family{"tcp_retransmit_ratio", "Share of TCP segments retransmitted over the last sampled interval.", gaugeT}
	fTCPOut     = family{"tcp_segments_sent_total", "TCP segments sent (OutSegs).", counterT}
	fTCPRetrans = family{"tcp_segments_retransmitted_total", "TCP segments retransmitted (RetransSegs).", counterT}

	fFindings = family{"findings", "Findings raised now, by kind and severity.", gaugeT}
	fRaised   = family{"findings_raised_total", "Findings raised since the watch started.", counterT}
	fCleared  = family{"findings_cleared_total", "Findings cleared since the watch started.", counterT}

	fStatus           = family{"watch_status", "Status of the last evaluation: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.", gaugeT}
	fEvaluations      = family{"watch_evaluations_total", "Evaluations of the rules.", counterT}
	fLastEval         = family{"watch_last_evaluation_timestamp_seconds", "When the rules last evaluated the evidence.", gaugeT}
	fHostFailures     = family{"watch_host_check_failures_total", "Evaluations whose host check failed.", counterT}
	fSnapshots        = family{"watch_snapshots_total", "Snapshots taken on a threshold crossing.", counterT}
	fSnapshotFailures = family{"watch_snapshot_failures_total", "Snapshots that failed, in part or whole.", counterT}

	fSinkRecords = family{"sink_records_total", "Records a sink took.", counterT}
	fSinkRefused = family{"sink_records_refused_total", "Records a sink refused.", counterT}
	fSinkDropped = family{"sink_records_dropped_total", "Records a sink dropped by its own account (full backlog, receiver away).", counterT}

	fAuditEvents         = family{"audit_events_total", "Connection audit records: new listeners and inbound connections.", counterT}
	fAuditClosed         = family{"audit_closed_connections_total", "Inbound connections seen only in the kernel's destroy notifications.", counterT}
	fAuditNotifications  = family{"audit_notifications_total", "Socket destroy notifications read.", counterT}
	fAuditOverruns       = family{"audit_overruns_total", "Times the kernel dropped destroy notifications.", counterT}
	fAuditRejected       = family{"audit_rejected_total", "Destroy notifications that did not parse.", counterT}
	fAuditEvicted        = family{"audit_evicted_total", "Sockets forgotten for the audit's bound.", counterT}
	fAuditPendingDropped = family{"audit_pending_dropped_total", "Closed connections dropped while waiting for their listener.", counterT}
	fAuditTracked        = family{"audit_tracked_sockets", "Sockets and listeners the audit remembers.", gaugeT}
	fAuditPolls          = family{"audit_polls_total", "Reads of the socket table.", counterT}
	fAuditPollErrors     = family{"audit_poll_errors_total", "Reads of the socket table that failed.", counterT}
	fAuditFeed           = family{"audit_destroy_feed", "Whether destroy notifications are read (needs CAP_NET_ADMIN).", gaugeT}
)

// Kinds are the finding kinds every scrape reports (0 when none is
// raised), so that alerts see a series before the first finding.
var Kinds = []string{diagnose.KindLatencyJump, diagnose.KindHopICMPRateLimit, diagnose.KindPathLoss,
	diagnose.KindUnreachable, diagnose.KindTargetUnreachable, diagnose.KindSniffer, diagnose.KindPromiscuous,
	diagnose.KindInterfaceErrors, diagnose.KindInterfaceDown, diagnose.KindInterfaceFlapping,
	diagnose.KindRetransmits, diagnose.KindCleartextService, diagnose.KindUnexpectedGateway,
	diagnose.KindDeletedExecutable, diagnose.KindTimeWaitPileup}

var severities = []diagnose.Severity{diagnose.Info, diagnose.Warning, diagnose.Critical}

// gatherRest adds the families other than the targets'.
func (e *Exporter) gatherRest(s watch.Status, p *page) {
	if s.Host {
		gatherHost(p, s.Links, s.TCP)
	}
	raised := map[watch.FindingClass]int{}
	for _, f := range s.Raised {
		raised[watch.FindingClass{Kind: f.Kind, Severity: f.Severity}]++
	}
	findings, raisedTotal, clearedTotal := p.add(fFindings), p.add(fRaised), p.add(fCleared)
	for _, k := range Kinds {
		for _, sev := range severities {
			fc := watch.FindingClass{Kind: k, Severity: sev}
			series(findings, float64(raised[fc]), "kind", k, "severity", sev.String())
			// The totals of what happened only: a counter starts at
			// its first increment.
			if n := s.RaisedTotal[fc]; n > 0 {
				series(raisedTotal, float64(n), "kind", k, "severity", sev.String())
			}
			if n := s.ClearedTotal[fc]; n > 0 {
				series(clearedTotal, float64(n), "kind", k, "severity", sev.String())
			}
		}
	}
	if s.Evaluations > 0 {
		series(p.add(fStatus), float64(s.Overall))
		series(p.add(fLastEval), float64(s.Time.UnixNano())/float64(time.Second))
	}
	series(p.add(fEvaluations), float64(s.Evaluations))
	series(p.add(fHostFailures), float64(s.FailedChecks))
	series(p.add(fSnapshots), float64(s.Snapshots))
	series(p.add(fSnapshotFailures), float64(s.SnapshotErrors))
	records, refused, dropped := p.add(fSinkRecords), p.add(fSinkRefused), p.add(fSinkDropped)
	for i, sk := range e.sinks {
		if i < len(s.Sinks) {
			series(records, float64(s.Sinks[i].Written), "sink", sk.Name)
			series(refused, float64(s.Sinks[i].Failed), "sink", sk.Name)
		}
		if sk.Dropped != nil {
			series(dropped, float64(sk.Dropped()), "sink", sk.Name)
		}
	}
	if e.audit != nil {
		a := e.audit()
		events := p.add(fAuditEvents)
		series(events, float64(a.Connections), "event", "connection")
		series(events, float64(a.Listeners), "event", "listener")
		series(p.add(fAuditClosed), float64(a.Closed))
		series(p.add(fAuditNotifications), float64(a.Notifications))
		series(p.add(fAuditOverruns), float64(a.Overruns))
		series(p.add(fAuditRejected), float64(a.Rejected))
		series(p.add(fAuditEvicted), float64(a.Evicted))
		series(p.add(fAuditPendingDropped), float64(a.PendingDropped))
		series(p.add(fAuditPolls), float64(a.Polls))
		series(p.add(fAuditPollErrors), float64(a.PollErrors))
		series(p.add(fAuditTracked), float64(a.Tracked))
		series(p.add(fAuditFeed), b2f(a.Feed))
	}
	p.fams = slices.DeleteFunc(p.fams, func(mf *dto.MetricFamily) bool { return len(mf.Metric) == 0 })
	for _, mf := range p.fams {
		slices.SortFunc(mf.Metric, byLabelValues)
	}
}

// byLabelValues orders series by their label values, as client_golang's
// registry does.
func byLabelValues(a, b *dto.Metric) int {
	for i := range min(len(a.Label), len(b.Label)) {
		if c := strings.Compare(a.Label[i].GetValue(), b.Label[i].GetValue()); c != 0 {
			return c
		}
	}
	return len(a.Label) - len(b.Label)
}

// gatherHost adds the interfaces' and TCP's families.
func gatherHost(p *page, links []link.Link, tcp link.TCP) {
	up, promiscuity, flag, carrier := p.add(fIfUp), p.add(fPromiscuity), p.add(fPromiscFlag), p.add(fIfCarrier)
	errs, drops, errRatio, dropRatio := p.add(fIfErrors), p.add(fIfDrops), p.add(fIfErrRatio), p.add(fIfDropRatio)
	for _, l := range links {
		n := l.Name
		series(up, b2f(l.Up && l.Carrier), "interface", n)
		series(promiscuity, float64(l.Promiscuity), "interface", n)
		series(flag, b2f(l.PromiscFlag), "interface", n)
		series(carrier, float64(l.CarrierChanges), "interface", n)
		st := l.Stats
		series(errs, float64(st.RxErrors), "direction", "receive", "interface", n)
		series(errs, float64(st.TxErrors), "direction", "transmit", "interface", n)
		series(drops, float64(st.RxDropped), "direction", "receive", "interface", n)
		series(drops, float64(st.TxDropped), "direction", "transmit", "interface", n)
		if r := l.Rates; r != nil && !r.Reset {
			series(errRatio, r.RxErrorRatio, "direction", "receive", "interface", n)
			series(errRatio, r.TxErrorRatio, "direction", "transmit", "interface", n)
			series(dropRatio, r.RxDropRatio, "direction", "receive", "interface", n)
			series(dropRatio, r.TxDropRatio, "direction", "transmit", "interface", n)
		}
	}
	series(p.add(fTCPOut), float64(tcp.OutSegs))
	series(p.add(fTCPRetrans), float64(tcp.RetransSegs))
	if iv := tcp.Interval; iv != nil && !iv.Reset {
		series(p.add(fTCPRatio), iv.RetransRatio)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
