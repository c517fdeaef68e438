package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// resolveTimeout bounds one name lookup.
const resolveTimeout = 5 * time.Second

// addrFamily is what a command's -4 and -6 ask for: "ip" (either), "ip4"
// or "ip6", the network names of net.Resolver. Every command that takes
// targets reads them here.
func addrFamily(c *cli.Context) (string, error) {
	switch {
	case c.Bool("4") && c.Bool("6"):
		return "", usageError("netdx %s: -4 and -6 exclude each other", c.Command.Name)
	case c.Bool("4"):
		return "ip4", nil
	case c.Bool("6"):
		return "ip6", nil
	}
	return "ip", nil
}

// resolve turns a target into one address of family: an address as it is
// (brackets and IPv4-mapped forms undone), a name by one lookup. Names
// resolve once, up front, for every command.
func resolve(ctx context.Context, name, family string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(name, "[]")); err == nil {
		a = a.Unmap()
		if (family == "ip4" && !a.Is4()) || (family == "ip6" && !a.Is6()) {
			return netip.Addr{}, fmt.Errorf("address %s is not of the family asked for (-%s)", a, family[2:])
		}
		return a, nil
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, family, name)
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

// resolved is a target name and its address, or why it has none.
type resolved struct {
	Name string
	Addr netip.Addr
	Err  error
}

// resolveAll resolves every name once, in order; a name that fails keeps
// its error and the others carry on.
func resolveAll(ctx context.Context, names []string, family string) []resolved {
	out := make([]resolved, len(names))
	for i, n := range names {
		a, err := resolve(ctx, n, family)
		out[i] = resolved{Name: n, Addr: a, Err: err}
	}
	return out
}

// addrsFlag reads a repeatable flag of IP addresses (--allow-gateway).
// prefixesFlag reads a list flag of prefixes; an address stands for
// itself (a /32 or /128).
func prefixesFlag(c *cli.Context, name string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range c.StringSlice(name) {
		p, err := netip.ParsePrefix(v)
		if a, aerr := netip.ParseAddr(v); aerr == nil {
			p, err = netip.PrefixFrom(a, a.BitLen()), nil
		}
		if err != nil {
			return nil, usageError("netdx %s: --%s %s: not a prefix (198.18.0.0/15) or an address", c.Command.Name, name, v)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func addrsFlag(c *cli.Context, name string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, v := range c.StringSlice(name) {
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, usageError("netdx %s: --%s %s: not an IP address", c.Command.Name, name, v)
		}
		out = append(out, a)
	}
	return out, nil
}
