package main

import (
	"net/netip"

	"github.com/urfave/cli/v2"

	"netdx/check"
	"netdx/resolver"
)

// addrFamily is what a command's -4 and -6 ask for. Every command that
// takes targets reads them here.
func addrFamily(c *cli.Context) (resolver.Family, error) {
	switch {
	case c.Bool("4") && c.Bool("6"):
		return resolver.Any, usageError("netdx %s: -4 and -6 exclude each other", c.Command.Name)
	case c.Bool("4"):
		return resolver.IPv4, nil
	case c.Bool("6"):
		return resolver.IPv6, nil
	}
	return resolver.Any, nil
}

// argTargets resolves the command's TARGET arguments once, up front: a
// name that does not resolve is bad input.
func argTargets(c *cli.Context, family resolver.Family) ([]check.Target, error) {
	var out []check.Target
	for _, n := range c.Args().Slice() {
		a, err := resolver.Resolve(c.Context, n, family)
		if err != nil {
			return nil, usageError("netdx %s: %s: %v", c.Command.Name, n, err)
		}
		out = append(out, check.Target{Name: n, Addr: a})
	}
	return out, nil
}

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

// addrsFlag reads a repeatable flag of IP addresses (--allow-gateway).
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
