package resolver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Timeout bounds one name lookup.
const Timeout = 5 * time.Second

// Family is the address family a target must resolve to: either, IPv4
// or IPv6 (ping's -4 and -6).
type Family int

// The families.
const (
	Any Family = iota
	IPv4
	IPv6
)

// network is f as net.Resolver names it.
func (f Family) network() string { return [...]string{"ip", "ip4", "ip6"}[f] }

// has reports whether a is of family f.
func (f Family) has(a netip.Addr) bool { return f == Any || (f == IPv4) == a.Is4() }

// lookupFunc is net.Resolver.LookupNetIP's shape; tests fake it.
type lookupFunc func(ctx context.Context, network, host string) ([]netip.Addr, error)

// Resolve turns a target into one address of family: an address as it is
// (brackets and IPv4-mapped forms undone), a name by one lookup.
func Resolve(ctx context.Context, name string, family Family) (netip.Addr, error) {
	return resolve(ctx, net.DefaultResolver.LookupNetIP, name, family)
}

func resolve(ctx context.Context, lookup lookupFunc, name string, family Family) (netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(name, "[]")); err == nil {
		a = a.Unmap()
		if !family.has(a) {
			return netip.Addr{}, fmt.Errorf("address %s is not of the family asked for (-%s)", a, family.network()[2:])
		}
		return a, nil
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	addrs, err := lookup(ctx, family.network(), name)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) {
			return netip.Addr{}, fmt.Errorf("cannot resolve: %s", de.Err)
		}
		return netip.Addr{}, fmt.Errorf("cannot resolve: %w", err)
	}
	if len(addrs) == 0 {
		return netip.Addr{}, errors.New("cannot resolve: no address")
	}
	return addrs[0].Unmap(), nil
}

// Result is a target's name and its address, or why it has none.
type Result struct {
	Name string
	Addr netip.Addr
	Err  error
}

// All resolves every name once, in order; a name that fails keeps its
// error and the others carry on.
func All(ctx context.Context, names []string, family Family) []Result {
	return all(ctx, net.DefaultResolver.LookupNetIP, names, family)
}

func all(ctx context.Context, lookup lookupFunc, names []string, family Family) []Result {
	out := make([]Result, len(names))
	for i, n := range names {
		a, err := resolve(ctx, lookup, n, family)
		out[i] = Result{Name: n, Addr: a, Err: err}
	}
	return out
}
