// Package audit is netdx watch's connection audit: what NETSTAT misses
// between two runs. It records each new TCP listener and each new inbound
// TCP connection — time, local address and port, remote address, owning
// process (pid, name), uid — and flags those on a cleartext service's port
// (23 but not 992, …) from the sockets package's catalogue.
//
// How: every Config.Interval it reads the socket table over sock_diag
// (sockets.DumpTCP, listeners and established states) and records what it
// has not seen, the owners coming from one /proc scan for the new sockets
// (sockets.FindOwners). Between two reads it listens to the kernel's
// destroy notifications (sock_diag's SKNLGRP_INET_TCP_DESTROY and
// SKNLGRP_INET6_TCP_DESTROY groups, sockets.DestroyFeed): a connection that
// opened and closed in between is recorded when its socket is destroyed,
// with Closed set and the listener's owner as its process (a destroyed
// socket has left its file, so /proc cannot name it any more).
//
// Why sock_diag destroy notifications rather than conntrack events:
//   - they describe sockets, not flows: the socket cookie ties a
//     notification to the socket a read of the table showed (no double
//     record, no guess from the address pair), and only connections some
//     process accepted or had queued count — a SYN scan is not a
//     connection;
//   - they need nothing loaded or configured: conntrack events need
//     nf_conntrack, which in a namespace only tracks when a rule uses it,
//     and whose table limits then apply to all the host's traffic; netdx
//     must not change the firewall's behaviour to watch it;
//   - they reuse the sock_diag messages and parser the sockets package
//     already has (fuzzed), and add no dependency (ti-mo/conntrack);
//   - both need CAP_NET_ADMIN; without it Run logs that short-lived
//     connections will be missed and goes on reading the table.
//
// Inbound: a connection is inbound when its local port is a listener's
// (same address or a wildcard one). A notification on a port with no known
// listener waits for the next read of the table, unless its local port is
// in ip_local_port_range (an outbound connection), and is dropped when its
// listener never showed up. The first read is a baseline: sockets that
// exist already are remembered, not recorded. UDP is not audited.
//
// Bounds: the remembered sockets and listeners (Config.MaxTracked: closed
// ones expire after Config.Expiry, then the oldest are evicted and may be
// recorded again), the notifications waiting for a read of the table
// (Config.MaxPending); Stats counts what each bound dropped, and the
// notifications the kernel dropped (ENOBUFS, after which the table is read
// at once).
//
// Flags the watch will map onto Config: --interval (Interval); the audit
// runs with --audit.
//
// Privileges: reading the table needs none; destroy notifications need
// CAP_NET_ADMIN; the owners of other users' sockets need root (or
// CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH); Config.NetNS needs
// CAP_SYS_ADMIN. Run is for one goroutine; Stats is safe for concurrent
// use.
package audit
