// Package diagnose holds netdx's rules: snapshots of paths, interfaces and
// sockets go in, findings with evidence and severities come out. It does no
// I/O; callers feed it engine results (or fixtures in tests).
//
// It is the one owner of findings and severities for every command: "netdx
// link" and "netdx sockets" show what Host finds in their snapshot or
// table (ReadLink and ReadSockets: their JSON documents, which watch's
// snapshots keep too), and every command turns its Status into an exit
// code with ExitCode. Host's indicators: interfaces down, flapping (carrier changes
// over the sampled interval) or with errors and drops, the PROMISC flag,
// sniffers (promiscuous capture sockets, or a promiscuity counter nothing
// explains), TCP retransmits, cleartext listeners (loopback-only ones are
// information), processes whose executable was deleted, TIME_WAIT
// pile-ups with the sysctls that govern them, unexpected gateways.
//
// A finding names its Kind (Kinds lists them all, in the design's order)
// and what it is about in typed fields (its Subject: target and hop,
// interface, process, socket, route), which with the kind is its identity
// (Finding.ID); path findings also say themselves in one line (Headline)
// for the live view.
//
// Privileges: none. Everything here is safe for concurrent use.
package diagnose
