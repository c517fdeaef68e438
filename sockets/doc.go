// Package sockets reads the socket table over sock_diag: TCP and UDP,
// IPv4 and IPv6 (inet_diag, with tcp_info on request) and AF_PACKET
// capture sockets (packet_diag, with /proc/net/packet as the fallback when
// the kernel lacks it). Owners are found by one scan of /proc/*/fd, shared
// among the CPUs, with one readlink of /proc/PID/exe per owning process
// (the executable, and whether it was deleted); cleartext services are
// flagged from a catalogue with their encrypted alternative; TIME_WAIT
// sockets are counted with the remote end and endpoint that hold most of
// them and the namespace's own tcp_max_tw_buckets, tcp_tw_reuse and
// ip_local_port_range; the routes via gateways come from a
// vishvananda/netlink Handle opened in the namespace, and CheckGateways
// marks those through a gateway not on an allowed list. Whether any of it
// is a problem, and how serious, is decided by package diagnose.
//
// List answers for TCP/UDP (from DefaultConfig: the listeners of the
// caller's namespace), Capture for packet sockets. Parsers (parseInetDiag,
// parsePacketDiag, ParseProcPacket, ParseSocketLink, ParseExeLink,
// ParseTimeWaitSysctls) take bytes and are fuzzed; Cleartext and
// CheckGateways are pure.
//
// Config.Validate (which List runs again) refuses what cannot mean
// anything — a pid of 0, an unknown state or protocol — with a
// *ConfigError naming the field.
//
// Privileges: listing sockets needs none; entering another namespace
// (Config.NetNS) needs CAP_SYS_ADMIN; seeing the owners of other users'
// sockets needs root (or CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH). Without
// it the sockets are still listed and OwnerScan says how many processes
// could not be read and how many sockets were left without an owner.
//
// List and Capture may be called from several goroutines at once.
package sockets
