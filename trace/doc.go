// Package trace is netdx's traceroute engine.
//
// It plans probes per TTL and flow (ICMP, UDP, TCP), keeps all TTLs in flight
// under a packet-rate cap, decodes every ICMP destination-unreachable code into
// the classic annotations (!H !N !X …), parses RFC 4884 extensions (RFC 4950
// MPLS, RFC 5837 interface information) and aggregates report rounds.
//
// Privileges: it uses probe's ICMP sockets; without CAP_NET_RAW it falls back
// to UDP probes with IP_RECVERR (tracepath's way).
package trace
