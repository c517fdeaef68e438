// Package link reads interface health from the kernel: every interface of
// a network namespace from one rtnetlink link dump (index, name, type, MTU,
// oper state, carrier and carrier changes, flags, the PROMISC flag and the
// promiscuity counter IFLA_PROMISCUITY, master, and all the 64-bit counters
// of struct rtnl_link_stats64 including the detailed rx/tx errors and
// rx_nohandler), rates between two samples, the namespace's TCP/IP health
// from /proc/net/snmp, /proc/net/netstat and /proc/net/snmp6, the TCP
// connections with the most retransmits (sock_diag tcp_info, via package
// sockets) and the capture sockets that explain — or fail to explain — a
// promiscuity counter.
//
// Collect takes one snapshot (two with Config.Interval), Watch keeps
// sampling. The decisions are pure functions over plain structs, for
// diagnose and for tests: ComputeRates (a counter going backwards is a
// reset; carrier changes over the interval ride along), TCPDelta and
// ExplainPromisc (flag, bridge/bond/team/OVS port, promiscuous capture
// sockets). What is wrong, and how wrong, is decided by
// package diagnose, never here.
//
// The link dump is decoded by this package (parseLinkMessage) rather than
// by vishvananda/netlink's LinkList: its LinkAttrs has no IFLA_CARRIER,
// IFLA_CARRIER_CHANGES or rx_nohandler, and sysfs cannot be read for
// another namespace. The dump travels over vishvananda/netlink's nl
// socket, one per sample, opened inside the namespace.
//
// DefaultConfig is `netdx link`'s (DefaultWatchConfig for Watch), the one
// place its defaults are set; every field of a Config is taken as it is,
// zero included (no interval: counters since boot; no connections).
// Config.Validate (which Collect and Watch run again) refuses what cannot
// mean anything with a *ConfigError naming the field.
// When the context ends, Collect and Watch finish the reading under way and
// return what they measured.
//
// Privileges: reading interfaces and counters of the caller's namespace
// needs none; Config.NetNS needs CAP_SYS_ADMIN to enter another one.
// Naming the owners of capture sockets needs root (or CAP_SYS_PTRACE) to
// read other users' /proc/PID/fd; without it the sockets are still listed
// and Snapshot.Owners says how many owners could not be seen.
//
// Collect and Watch may be called from several goroutines at once; they
// share nothing.
package link
