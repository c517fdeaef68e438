// Package check runs netdx's engines for diagnose and watch: the host
// checks (interfaces and counters through link, sockets through sockets) and
// the path checks (report rounds of traces with an echo stream alongside,
// and DF echo requests of several sizes for MTU black holes),
// each target concurrently, and hands what they saw to diagnose's rules. It
// decides nothing: every severity is diagnose's.
//
// Link is the link check ("netdx link", and the host checks' interfaces):
// package link's interfaces and counters, with the capture sockets and the
// TCP connections with the most retransmits that package sockets reads,
// their owners found in one /proc scan; diagnose.NewLinkEvidence puts them
// together. WatchLink does the same for every sample.
//
// Path checks a path once, for a fixed duration. Stream checks it
// continuously (for `netdx trace --live` and watch): trace rounds and an
// echo stream until the context ends, the last rounds and echo requests
// kept in a bounded sliding window, a snapshot of that evidence handed out
// after every round; it can be paused and reset.
//
// Probers are the one-shot modules of netdx watch's /probe
// (blackbox_exporter's shape: a module name to a function): icmp, trace and
// diagnose, each a check of one target returning a plain ProbeResult, and
// shortening its check only as much as the caller's time forces.
//
// Each config has its DefaultXConfig (DefaultPathConfig, DefaultStreamConfig,
// DefaultEchoConfig, DefaultHostConfig, DefaultLinkConfig,
// DefaultProbeConfig), built on the engines' own defaults: the one place
// its defaults are set. Every field is taken as it is.
//
// Privileges: those of the engines. Path checks need raw sockets or
// ping_group_range (the echo stream) and CAP_NET_RAW for ICMP and TCP trace
// probes; the host checks need root to see other users' sockets' owners.
// A Stream opens its sockets once, when it starts (StreamConfig.OnReady
// says when they are all open, to drop privileges).
//
// For netdx watch: Echoes keeps continuous echo streams to many targets on
// one socket per address family, each target's last outcomes in a bounded
// window (4 bytes each) for the rules and its totals and RTT histogram since
// the start. The ping engine runs in epochs of a count (fresh sockets take
// over with no gap): a run without a count keeps up to 128 requests and
// 1024 RTTs a target (about 20 KB: 5 MB for 254 targets), an epoch of 30
// requests about 3 KB. HostSampler reads the host on the caller's schedule
// and keeps the previous interface sample, so rates cover the real time
// between two readings without a sleep (link.Read and link.Between).
//
// Run, Path and a Stream's methods may be called concurrently; so may
// Echoes' and HostSampler's.
package check
