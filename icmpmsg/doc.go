// Package icmpmsg reads ICMP and ICMPv6 for netdx's ping (package probe)
// and traceroute (package trace) alike, so that both engines accept and
// reject the same messages for the same reasons.
//
// ParseMessage decodes a message as a socket hands it over (no IP header):
// echo replies, and the errors that quote a datagram (Destination
// Unreachable, Time Exceeded, Parameter Problem, Packet Too Big, Source
// Quench) with their RFC 4884 extension structure (RFC 4950 MPLS label
// stacks, RFC 5837 interface information; ParseExtensions) — including the
// common non-compliant layout of routers that put the structure at byte 128
// but a shorter length in the header. ParseQuote decodes the quoted IPv4 or
// IPv6 header and the start of the probe's transport header. The parsing
// stands on golang.org/x/net/icmp, ipv4 and ipv6; what x/net does not decode
// the way a prober must (where a quote ends, the extension checksum, the
// IPv4 next-hop MTU) is read here.
//
// The echo probes of both engines carry the same payload (Payload): a
// random per-run Token, a 16-bit index word, the send time and a fill
// pattern. Match and MatchQueued are the one check of what comes back: an
// echo reply counts only with our id (raw sockets), a correct checksum, the
// exact payload we sent; an error counts only when it quotes one of our
// echo requests, and the token is required whenever the quote is long enough
// to hold it. An error whose quote stops before the token (RFC 792 lets a
// router quote 8 bytes) is returned Unverified: a claim the engines let a
// valid answer to the same probe overrule. What fails a check carries a
// Cause, a stable name engines count by (Counts).
//
// Classify says what a type and code mean, one Meaning for each meaning
// across ICMP and ICMPv6 (HostUnreachable is ICMP 3/1 and ICMPv6 1/3).
// Everything that words an error derives from it: Mark, the classic
// traceroute marks (!N !H !X !F-<mtu> …, an ICMPv6 meaning ICMP lacks
// taking the mark of its nearest ICMP meaning, Meaning.IPv4), Describe, a
// mark in words, Name, a type and code named the way iputils ping does,
// and the other tools' wording in the packages under dialect/.
//
// Nothing here opens a socket or reads a clock: every function is pure,
// safe for concurrent use, and fuzzed with seed corpora in testdata/fuzz.
package icmpmsg
