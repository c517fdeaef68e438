// Package diagnose holds netdx's rules: snapshots of paths, interfaces and
// sockets go in, findings with evidence and severities come out. It does no
// I/O; callers feed it engine results (or fixtures in tests).
//
// Privileges: none. Everything here is safe for concurrent use.
package diagnose
