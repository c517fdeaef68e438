// Package link reads interface health from the kernel over netlink: counters
// and their deltas, flags, the promiscuity counter (IFLA_PROMISCUITY), carrier
// changes, and the host's TCP/IP counters from /proc/net/snmp and
// /proc/net/netstat.
//
// Privileges: reading interfaces and counters needs none. Naming the owners of
// capture sockets needs root (or CAP_SYS_PTRACE) to read other users'
// /proc/PID/fd.
package link
