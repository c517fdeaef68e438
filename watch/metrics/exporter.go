package metrics

import (
	"slices"
	"strings"
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
// each scrape, as a client_golang Gatherer that makes the protobufs
// itself: the per-target series, nearly all of a page of hundreds of
// targets, are laid out in a few arrays per scrape (a scrape of 254
// targets allocates a few dozen objects, not fifty thousand, and nothing
// is kept between scrapes); the rest (host, findings, the watch's own
// counts) is a few hundred series made one by one.
type Exporter struct {
	src   Source
	sinks []Sink
	audit func() audit.Stats
}

// NewExporter returns an exporter of src's status, its sinks' drops and,
// when auditStats is set, the connection audit's counts.
func NewExporter(src Source, sinks []Sink, auditStats func() audit.Stats) *Exporter {
	return &Exporter{src: src, sinks: sinks, audit: auditStats}
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

// The per-target families, indexed by the constants below.
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
	nTarget
)

// How many of the per-target families are gauges and counters: the
// arrays of one scrape hold that many per target, never more.
var targetGauges, targetCounters = func() (g, c int) {
	for _, f := range targetFamilies {
		switch f.typ {
		case gaugeT:
			g++
		case counterT:
			c++
		}
	}
	return g, c
}()

func pair(name, value string) *dto.LabelPair { return &dto.LabelPair{Name: &name, Value: &value} }

// Gather returns the netdx_ families of the status now, sorted by name.
func (e *Exporter) Gather() ([]*dto.MetricFamily, error) {
	s := e.src.Status()
	var p page
	e.gatherRest(s, &p)
	gatherTargets(s.Targets, &p)
	gatherInvalid(s.Targets, &p)
	slices.SortFunc(p.fams, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return p.fams, nil
}

// targetArrays holds one scrape's per-target protobufs, a slot per target
// and family: a handful of allocations whatever the number of targets.
type targetArrays struct {
	metrics  []dto.Metric
	values   []float64
	gauges   []dto.Gauge
	counters []dto.Counter
	hists    []dto.Histogram
	buckets  []dto.Bucket
	bptrs    []*dto.Bucket
	counts   []uint64
	sums     []float64
	pairs    []dto.LabelPair
	labels   []*dto.LabelPair
}

// gatherTargets adds the per-target families, their series in the order
// of the targets' names (the order client_golang's registry gives).
func gatherTargets(targets []watch.TargetStatus, p *page) {
	n := len(targets)
	if n == 0 {
		return
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(targets[a].Target, targets[b].Target) })
	nb := len(targets[0].Buckets)
	a := targetArrays{
		metrics: make([]dto.Metric, n*nTarget), values: make([]float64, n*nTarget),
		gauges: make([]dto.Gauge, 0, n*targetGauges), counters: make([]dto.Counter, 0, n*targetCounters),
		hists: make([]dto.Histogram, n), sums: make([]float64, n), counts: make([]uint64, n*(nb+1)),
		buckets: make([]dto.Bucket, n*nb), bptrs: make([]*dto.Bucket, n*nb),
		pairs: make([]dto.LabelPair, 2*n), labels: make([]*dto.LabelPair, 3*n),
	}
	var fams [nTarget]*dto.MetricFamily
	for f := range fams {
		fams[f] = targetFamilies[f].family()
		fams[f].Metric = make([]*dto.Metric, 0, n)
	}
	// Names and addresses point into targets, this scrape's own copy.
	tName, aName := "target", "addr"
	for k, i := range order {
		t := &targets[i]
		a.pairs[2*k] = dto.LabelPair{Name: &tName, Value: &t.Target}
		a.pairs[2*k+1] = dto.LabelPair{Name: &aName, Value: &t.Addr}
		a.labels[3*k] = &a.pairs[2*k]
		a.labels[3*k+1], a.labels[3*k+2] = &a.pairs[2*k+1], &a.pairs[2*k]
		target, info := a.labels[3*k:3*k+1:3*k+1], a.labels[3*k+1:3*k+3:3*k+3]
		present := setTarget(t, a.values[k*nTarget:(k+1)*nTarget])
		for f := range nTarget {
			if !present[f] {
				continue
			}
			j := k*nTarget + f
			m := &a.metrics[j]
			m.Label = target
			switch targetFamilies[f].typ {
			case gaugeT:
				a.gauges = append(a.gauges, dto.Gauge{Value: &a.values[j]})
				m.Gauge = &a.gauges[len(a.gauges)-1]
			case counterT:
				a.counters = append(a.counters, dto.Counter{Value: &a.values[j]})
				m.Counter = &a.counters[len(a.counters)-1]
			case histogramT:
				m.Histogram = a.histogram(k, t, nb)
			}
			fams[f].Metric = append(fams[f].Metric, m)
		}
		a.metrics[k*nTarget+tInfo].Label = info
	}
	for _, mf := range fams {
		if len(mf.Metric) > 0 {
			p.fams = append(p.fams, mf)
		}
	}
}

// histogram fills target k's histogram: cumulative counts per bound (the
// bounds shared by all targets), count and sum in seconds.
func (a *targetArrays) histogram(k int, t *watch.TargetStatus, nb int) *dto.Histogram {
	h := &a.hists[k]
	counts := a.counts[k*(nb+1) : (k+1)*(nb+1)]
	var cum uint64
	for i := range min(nb, len(t.Buckets)) {
		if i < len(t.Totals.Buckets) {
			cum += t.Totals.Buckets[i]
		}
		counts[i] = cum
		b := &a.buckets[k*nb+i]
		b.UpperBound, b.CumulativeCount = &t.Buckets[i], &counts[i]
		a.bptrs[k*nb+i] = b
	}
	counts[nb] = t.Totals.Received
	a.sums[k] = t.Totals.RTTSum.Seconds()
	h.SampleCount, h.SampleSum = &counts[nb], &a.sums[k]
	h.Bucket = a.bptrs[k*nb : k*nb+min(nb, len(t.Buckets))]
	return h
}

// setTarget writes t's values of the families' index and reports which of
// its series exist now.
func setTarget(t *watch.TargetStatus, v []float64) (present [nTarget]bool) {
	present[tInfo], present[tRTT], present[tRequests], present[tReplies], present[tErrors] = true, true, true, true, true
	v[tInfo] = 1
	v[tRequests] = float64(t.Totals.Sent)
	v[tReplies] = float64(t.Totals.Received)
	v[tErrors] = float64(t.Totals.Errors)
	if t.Window > 0 {
		present[tLoss], v[tLoss] = true, t.LossPct/100
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
		present[tHops], v[tHops] = true, float64(hops)
		present[tReached], v[tReached] = true, b2f(pr.Reached)
	}
	if !t.PathTime.IsZero() {
		present[tPathFailed], v[tPathFailed] = true, b2f(t.PathError != "")
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
	// Every kind and severity, 0 when none is raised, so that alerts see
	// a series before the first finding.
	for _, k := range diagnose.Kinds() {
		for _, sev := range severities {
			fc := watch.FindingClass{Kind: k, Severity: sev}
			series(findings, float64(raised[fc]), "kind", string(k), "severity", sev.String())
			// The totals of what happened only: a counter starts at
			// its first increment.
			if n := s.RaisedTotal[fc]; n > 0 {
				series(raisedTotal, float64(n), "kind", string(k), "severity", sev.String())
			}
			if n := s.ClearedTotal[fc]; n > 0 {
				series(clearedTotal, float64(n), "kind", string(k), "severity", sev.String())
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
