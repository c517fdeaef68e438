// Package resolver turns the targets people name — an address, or a host
// name — into the one address each command probes. Every command resolves
// its targets here, once, up front; watch's /probe resolves each request's
// target here too.
//
// An address is taken as it is (brackets and IPv4-mapped forms undone); a
// name costs one lookup through the system's resolver, bounded by
// Timeout, and its first address of the family asked for is the one.
//
// It needs no privileges; its functions are safe for concurrent use.
package resolver
