// Package sockets reads the socket table over sock_diag (TCP, UDP and packet
// sockets), finds their owners with one scan of /proc/*/fd, flags cleartext
// services from a catalogue and reads the routing table.
//
// Privileges: listing sockets needs none; seeing the owners of other users'
// sockets needs root (or CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH).
package sockets
