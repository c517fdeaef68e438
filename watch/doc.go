// Package watch runs netdx's checks continuously: scheduling, a crash-safe
// journal, Prometheus metrics and syslog forwarding. It calls the engines; it
// does not re-implement the checks.
//
// Privileges: those of the checks it runs.
package watch
