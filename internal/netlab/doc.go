// Package netlab builds real networks in Linux network namespaces for
// netdx's integration tests: hosts and routers joined by veth pairs, IPv4
// (198.18.0.0/15) and IPv6 (2001:db8::/32) addressing, forwarding and routes,
// and faults on demand — one-way delay on a link through a user-space "slow
// wire" (two TAP devices joined by threads that hold frames, at real-time
// priority so that a busy machine does not stretch the delay; each TAP
// bridged to a veth; these kernels have no netem), random loss and loss in
// bursts on a schedule (Bursts), ICMP rejects of every kind, routers that
// never answer TTL expiry or never say a packet is too big (SilentTooBig,
// with a smaller MTU on a link: a path MTU black hole), routers that
// rate-limit or drop a share of their ICMP, faults on one protocol only
// (FilterEcho, LoseEchoReplies, LimitEchoReplies, RejectUDP, FilterTCP), a
// target that answers nothing (DropInput), an on-path forger (StartForger)
// that answers every echo request it sees with forged ICMP — and what a host
// does that its checks should notice: a link that flaps (Flap, FlapTimes), a
// program running from a deleted file (StartDeleted), connections that leave
// TIME_WAIT sockets behind (OpenAndClose), served TCP ports (ServeTCP), bulk
// TCP transfers (Sink, StartStream, Upload).
//
// Topologies: a chain of routers (Chain) with a routing loop on demand
// (Path.Loop), and a path that forks into branches of routers side by side
// (Diamond): flows spread over the branches (ECMP) or the replies coming
// back another way (DiamondConfig.Asymmetric). Counters (Node.Count) count
// the packets a node sees at a hook, for tests to prove where packets went.
//
// Everything lives in namespaces the lab created, named after the test
// process, and is removed when the test ends — even when it fails. A test
// process that died before cleaning up is swept by the next lab.
//
// Privileges: root (namespaces, TAP devices, nftables, real-time
// priority), and the ip and nft commands. Without them New skips the test with a clear message; with
// NETDX_LAB_REQUIRED=1 (CI) it fails it instead.
//
// A Lab is for one test; it is not safe for concurrent use by several
// goroutines, but different tests may run labs in parallel.
//
// netlab is for tests only: non-test code must not import it.
package netlab
