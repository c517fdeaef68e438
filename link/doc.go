// Package link reads interface health from the kernel: every interface of
// a network namespace from one rtnetlink link dump (index, name, type, MTU,
// oper state, carrier and carrier changes, flags, the PROMISC flag and the
// promiscuity counter IFLA_PROMISCUITY, master, and all the 64-bit counters
// of struct rtnl_link_stats64 including the detailed rx/tx errors and
// rx_nohandler), rates between two samples, and the namespace's TCP/IP
// health from /proc/net/snmp, /proc/net/netstat and /proc/net/snmp6. It
// reads no sockets: the capture sockets that explain a promiscuity counter
// and the TCP connections with the most retransmits are package sockets',
// and package check puts them together with a snapshot.
//
// Collect takes one snapshot (two with Config.Interval), Watch keeps
// sampling, Read and Between sample on the caller's schedule. The
// decisions are pure functions over plain structs, for diagnose and for
// tests: ComputeRates (a counter going backwards is a reset; carrier
// changes over the interval ride along), TCPDelta and ExplainPromisc
// (flag, bridge/bond/team/OVS port, and the users of promiscuous mode the
// caller names). What is wrong, and how wrong, is decided by package
// diagnose, never here.
//
// The link dump is decoded by this package (parseLinkMessage) rather than
// by vishvananda/netlink's LinkList: its LinkAttrs has no IFLA_CARRIER,
// IFLA_CARRIER_CHANGES or rx_nohandler, and sysfs cannot be read for
// another namespace. The dump travels over vishvananda/netlink's nl
// socket, one per sample, opened inside the namespace.
//
// DefaultConfig (DefaultWatchConfig for Watch) is the one place its
// defaults are set; every field of a Config is taken as it is, zero
// included (no interval: counters since boot).
// Config.Validate (which Collect and Watch run again) refuses what cannot
// mean anything with a *ConfigError naming the field.
// When the context ends, Collect and Watch finish the reading under way and
// return what they measured.
//
// Privileges: reading interfaces and counters of the caller's namespace
// needs none; Config.NetNS needs CAP_SYS_ADMIN to enter another one.
//
// Collect and Watch may be called from several goroutines at once; they
// share nothing.
package link
