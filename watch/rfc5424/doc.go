// Package rfc5424 forwards netdx watch's records to syslog as RFC 5424
// messages with structured data: raised and cleared findings, connection
// audit events, snapshots and the watcher's notices (rounds on request).
// It is named after the format so as not to be confused with log/syslog,
// which writes RFC 3164 lines and has no structured data.
//
// A message looks like
//
//	<164>1 2025-03-01T02:03:04.005006Z h1 netdx 42 raised [meta sequenceId="7"][netdx@32473 kind="path_loss" severity="warning" …][evidence@32473 loss_pct="12" …] 12.0% loss …
//
// The SD-IDs netdx@32473 and evidence@32473 use enterprise number 32473,
// the one RFC 5612 reserves for documentation; meta is RFC 5424's own, and
// its sequenceId (kept when a message is sent again) lets a receiver see
// gaps and duplicates. Findings map to syslog severities by their own
// (critical → crit, warning → warning, info → info); a cleared finding is
// notice; an audit event is info (a listener notice) and warning when the
// service is cleartext.
//
// Transports (Config.URL): udp://HOST[:PORT] (RFC 5426,
// one datagram a message), tcp://HOST[:PORT] (RFC 6587 octet counting) and
// unix:///PATH (a datagram socket such as /dev/log; rsyslog's imuxsock
// needs useSpecialParser="off" to read RFC 5424 there). The port defaults
// to 514.
//
// UDP cannot promise delivery: nothing is acknowledged, nothing is sent
// again. What can be known of the loss is counted (Stats: Refused,
// Presumed, in Dropped) and logged: a failed send; each datagram the
// receiver's host refuses with an ICMP error (port unreachable while
// syslog is down), read from the connected socket's error queue
// (IP_RECVERR), which names the message by its sequenceId; and the
// messages sent between two refused ones less than 2 s apart, presumed
// refused since the host rate-limits its ICMP errors (Linux: 6, then 1 a
// second). A receiver that is up but drops (a full buffer) says nothing,
// and up to a second of messages at the end of an outage goes uncounted
// under that rate limit: the count is a lower bound. Use TCP when every
// message matters.
//
// Delivery on TCP and unix sockets: messages wait in a bounded backlog
// (package backlog; Config.Backlog, the oldest dropped and counted when it
// is full) while the receiver is away; the writer reconnects with
// exponential backoff and sends them in order. On TCP, a message counts as delivered only once the
// receiving kernel acknowledged its bytes (SIOCOUTQ): what was written but
// unacknowledged when the connection broke is sent again, so delivery is at
// least once. A connection the peer closed is noticed before the next
// write; one that went silent fails after TCP_USER_TIMEOUT (20 s).
//
// Configuration starts from DefaultConfig; Validate names the field that
// cannot run.
//
// Privileges: none beyond reaching the receiver. Write, Stats and Close
// are safe for concurrent use.
package rfc5424
