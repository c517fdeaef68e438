// Package privs gives up the process's capabilities once they are no longer
// needed: ping and trace open their raw sockets with CAP_NET_RAW, then
// call Drop, so that nothing later in the run (parsing network bytes,
// reverse DNS) holds a privilege.
//
// Capabilities belong to each thread. Drop changes every thread of the
// process at once (syscall.AllThreadsSyscall), which the Go runtime allows
// only without cgo: build netdx with CGO_ENABLED=0. A cgo build gets
// ErrCgo and keeps its capabilities.
package privs
