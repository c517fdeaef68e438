// Package probe owns netdx's ICMP sockets and the ping engine.
//
// It opens ICMP sockets for IPv4 and IPv6, either raw (needs CAP_NET_RAW or
// root) or unprivileged datagram sockets (allowed when the user's group is in
// net.ipv4.ping_group_range; the kernel then rewrites the echo identifier).
// It takes receive timestamps from the kernel, sends echo and TTL-limited
// probes, matches replies and ICMP errors to the probes that caused them, and
// computes per-target statistics.
//
// Privileges: raw mode needs CAP_NET_RAW; datagram mode needs the sysctl.
// Without either, opening a socket fails with an error that names both fixes.
package probe
