// Package metrics is netdx watch's Prometheus endpoint, and the only
// package of netdx that imports prometheus/client_golang.
//
// /metrics serves an Exporter that reads the watch's Status at each
// scrape, with client_golang's process and Go collectors for the
// watcher's own health. The exporter is a client_golang Gatherer that lays
// out each scrape's protobufs in a few arrays (no registry, no constant
// metric per series, nothing kept between scrapes), so that a scrape of
// hundreds of targets costs the text encoding and little else:
//
//	netdx_target_info{target,addr}                 1: the address a target resolved to
//	netdx_echo_rtt_seconds{target}                 histogram of echo RTTs (kernel timestamps)
//	netdx_echo_requests_total, _replies_total, _icmp_errors_total{target}
//	netdx_echo_loss_ratio{target}                  loss in the rules' window
//	netdx_path_hops, _reached, _last_run_failed{target}
//	netdx_interface_up, _promiscuity, _promisc_flag, _carrier_changes_total{interface}
//	netdx_interface_errors_total, _drops_total, _error_ratio, _drop_ratio{interface,direction}
//	netdx_tcp_retransmit_ratio, netdx_tcp_segments_sent_total, _retransmitted_total
//	netdx_findings{kind,severity}                  raised now (every kind, 0 when none)
//	netdx_findings_raised_total, _cleared_total{kind,severity}  from the first change on
//	netdx_watch_status, _evaluations_total, _last_evaluation_timestamp_seconds,
//	  _host_check_failures_total, _snapshots_total, _snapshot_failures_total
//	netdx_sink_records_total, _refused_total, _dropped_total{sink}
//	netdx_audit_events_total{event}, netdx_audit_* (the connection audit's counts)
//
// Per-target series carry the target only; netdx_target_info joins the
// address (group_left), which keeps a scrape of hundreds of targets cheap.
// Ratios are in [0, 1] and times in seconds, as Prometheus's conventions
// ask (promtool check metrics is clean); the ratios over the last sampled
// interval sit next to the kernel's counters, for rate() over any window.
//
// /probe?target=T&module=icmp|trace|diagnose runs one of check's modules
// (check.Probers) against one target and turns its result into a registry
// made for the request (probe_success, probe_duration_seconds and the
// module's netdx_probe_* metrics), within the scrape timeout Prometheus
// announces, at most ProbeConfig.MaxConcurrent at once: one Prometheus can
// drive many netdx vantage points. Anyone who reaches the port can make
// netdx probe an address: listen on a trusted address, and set
// ProbeConfig.Allow to the prefixes that may be probed (a target outside is
// refused with 403 once resolved). Requests dropped (400, 403, 503) are
// logged, at most one line a minute per reason.
//
// Privileges: the exporter none; /probe those of the checks (CAP_NET_RAW).
// The handler and the exporter are safe for concurrent use.
package metrics
