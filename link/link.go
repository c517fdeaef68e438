package link

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"netdx/internal/namespace"
)

// Config says what to read; start from DefaultConfig. Each field is taken
// as it is: the zero value reads every interface of the caller's network
// namespace once.
type Config struct {
	// NetNS is the path of a network namespace (/run/netns/NAME,
	// /proc/PID/ns/net); empty means the caller's.
	NetNS string
	// ProcNet is a directory holding snmp, netstat and snmp6; empty means
	// the namespace's own (read from a thread inside it).
	ProcNet string
	// Interfaces keeps only these interfaces (all when empty).
	Interfaces []string
	// Interval, when positive, makes Collect sample twice that far apart
	// and report rates.
	Interval time.Duration
}

// Link is one network interface.
type Link struct {
	Name           string   `json:"name"`
	Index          int      `json:"index"`
	Type           string   `json:"type"`
	Kind           string   `json:"kind,omitempty"` // rtnetlink kind: veth, bridge, bond, …
	MTU            int      `json:"mtu"`
	OperState      string   `json:"oper_state"`
	Up             bool     `json:"up"`
	Carrier        bool     `json:"carrier"`
	CarrierChanges uint32   `json:"carrier_changes"`
	Flags          []string `json:"flags"`
	RawFlags       uint32   `json:"-"`
	// PromiscFlag is the IFF_PROMISC flag ifconfig shows; Promiscuity the
	// kernel's counter of promiscuous users (IFLA_PROMISCUITY), which
	// tcpdump raises without setting the flag.
	PromiscFlag bool   `json:"promisc_flag"`
	Promiscuity uint32 `json:"promiscuity"`
	Allmulti    uint32 `json:"allmulti"`
	MasterIndex int    `json:"master_index,omitempty"`
	Master      string `json:"master,omitempty"`
	// MasterKind is the master's rtnetlink kind (bridge, bond, …), known
	// even when Config.Interfaces leaves the master out.
	MasterKind string `json:"-"`
	Address    string `json:"address,omitempty"`
	Stats      Stats  `json:"stats"`
	Rates      *Rates `json:"rates,omitempty"`
}

// Snapshot is the interface health of a network namespace at one moment
// (the end of the interval when sampling).
type Snapshot struct {
	Time  time.Time `json:"time"`
	Links []Link    `json:"links"`
	TCP   TCP       `json:"tcp"`
	ICMP  ICMP      `json:"icmp"`
	// Interrupted is set when the interface table changed during the dump.
	Interrupted bool `json:"interrupted,omitempty"`
}

// ErrNoInterface is returned when an interface asked for does not exist.
var ErrNoInterface = errors.New("link: no such interface")

// sample is one reading of the kernel's counters.
type sample struct {
	at          time.Time
	links       []Link
	counters    Counters
	interrupted bool
}

// Collect reads the interfaces and TCP/IP counters of cfg's namespace; with an Interval it samples twice and adds rates. When
// ctx ends during the interval, the second sample is taken at once and the
// rates cover the time sampled (Rates.IntervalMS says how long): a reading
// under way is always finished, so an interrupted Collect still returns
// what it measured.
func Collect(ctx context.Context, cfg Config) (Snapshot, error) {
	if err := cfg.Validate(false); err != nil {
		return Snapshot{}, err
	}
	reading := context.WithoutCancel(ctx)
	first, err := read(reading, cfg)
	if err != nil {
		return Snapshot{}, err
	}
	if cfg.Interval <= 0 {
		return finish(nil, first), nil
	}
	t := time.NewTimer(cfg.Interval)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	second, err := read(reading, cfg)
	if err != nil {
		return Snapshot{}, err
	}
	if second.at.Sub(first.at) < MinInterval {
		// Interrupted at once: no interval to speak of.
		return finish(nil, second), nil
	}
	return finish(&first, second), nil
}

// Watch samples every cfg.Interval (DefaultWatchConfig's: 1 s) until ctx ends, calling
// fn with a snapshot whose rates cover the last interval. An error from fn
// stops it; the end of ctx is not an error, and a sample under way when it
// ends is finished and given to fn.
func Watch(ctx context.Context, cfg Config, fn func(Snapshot) error) error {
	if err := cfg.Validate(true); err != nil {
		return err
	}
	reading := context.WithoutCancel(ctx)
	prev, err := read(reading, cfg)
	if err != nil {
		return err
	}
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		cur, err := read(reading, cfg)
		if err != nil {
			return err
		}
		if err := fn(finish(&prev, cur)); err != nil {
			return err
		}
		prev = cur
	}
}

// read takes one sample: one link dump and the /proc/net counters, both
// from inside the namespace.
func read(ctx context.Context, cfg Config) (sample, error) {
	var s sample
	err := namespace.Do(cfg.NetNS, func() error {
		var err error
		s.links, s.interrupted, err = dumpLinks()
		if err != nil {
			return err
		}
		s.at = time.Now()
		s.counters, err = readCounters(cfg.ProcNet)
		return err
	})
	if err != nil {
		return s, err
	}
	if err := ctx.Err(); err != nil {
		return s, err
	}
	masters := make(map[int]Link, len(s.links))
	for _, l := range s.links {
		masters[l.Index] = l
	}
	for i := range s.links {
		l := &s.links[i]
		if m, ok := masters[l.MasterIndex]; ok && l.MasterIndex != 0 {
			l.Master, l.MasterKind = m.Name, m.Kind
		}
	}
	if len(cfg.Interfaces) > 0 {
		keep := s.links[:0]
		for _, l := range s.links {
			if slices.Contains(cfg.Interfaces, l.Name) {
				keep = append(keep, l)
			}
		}
		for _, want := range cfg.Interfaces {
			if !slices.ContainsFunc(keep, func(l Link) bool { return l.Name == want }) {
				return s, &ConfigError{Field: "Interfaces", Value: want, Reason: "no such interface", Err: ErrNoInterface}
			}
		}
		s.links = keep
	}
	return s, nil
}

// finish turns a sample (and the one before, when sampling) into a
// snapshot with rates.
func finish(prev *sample, cur sample) Snapshot {
	snap := Snapshot{Time: cur.at, Links: cur.links, Interrupted: cur.interrupted,
		TCP: TCPFrom(cur.counters), ICMP: ICMPFrom(cur.counters)}
	if prev == nil {
		return snap
	}
	dt := cur.at.Sub(prev.at)
	old := map[int]Link{}
	for _, l := range prev.links {
		old[l.Index] = l
	}
	for i := range snap.Links {
		l := &snap.Links[i]
		r := Rates{Reset: true, IntervalMS: float64(dt) / float64(time.Millisecond)}
		if o, ok := old[l.Index]; ok && o.Name == l.Name {
			r = ComputeRates(o.Stats, l.Stats, dt)
			r.CarrierChanges, r.Reset = carrierDelta(o.CarrierChanges, l.CarrierChanges, r.Reset)
		}
		l.Rates = &r
	}
	d := TCPDelta(TCPFrom(prev.counters), snap.TCP)
	snap.TCP.Interval = &d
	return snap
}

// dumpLinks reads every interface with one RTM_GETLINK dump over a
// NETLINK_ROUTE socket opened in the calling thread's namespace.
func dumpLinks() ([]Link, bool, error) {
	var links []Link
	var perr error
	interrupted, err := dumpLinkMessages(func(m []byte) bool {
		l, err := parseLinkMessage(m)
		if err != nil {
			perr = err
			return false
		}
		links = append(links, l)
		return true
	})
	if err == nil {
		err = perr
	}
	if err != nil {
		return nil, false, fmt.Errorf("link: dump interfaces: %w", err)
	}
	sort.Slice(links, func(i, j int) bool { return links[i].Index < links[j].Index })
	return links, interrupted, nil
}

// dumpLinkMessages calls fn with each RTM_NEWLINK payload of a link dump
// until fn returns false. It reports whether the dump was interrupted by a
// change (the results are then still complete, but maybe inconsistent).
func dumpLinkMessages(fn func([]byte) bool) (interrupted bool, err error) {
	s, err := nl.GetNetlinkSocketAt(netns.None(), netns.None(), unix.NETLINK_ROUTE)
	if err != nil {
		return false, fmt.Errorf("open rtnetlink socket: %w", err)
	}
	defer s.Close()
	req := nl.NewNetlinkRequest(unix.RTM_GETLINK, unix.NLM_F_DUMP)
	req.Sockets = map[int]*nl.SocketHandle{unix.NETLINK_ROUTE: {Socket: s}}
	req.AddData(nl.NewIfInfomsg(unix.AF_UNSPEC))
	err = req.ExecuteIter(unix.NETLINK_ROUTE, unix.RTM_NEWLINK, fn)
	if errors.Is(err, nl.ErrDumpInterrupted) {
		return true, nil
	}
	return false, err
}

// readCounters reads snmp, netstat and snmp6 from dir, or from the calling
// thread's own /proc view of its namespace.
func readCounters(dir string) (Counters, error) {
	if dir == "" {
		dir = "/proc/thread-self/net"
	}
	c := Counters{}
	for _, f := range []struct {
		name  string
		parse func([]byte, Counters) error
	}{{"snmp", ParseSNMP}, {"netstat", ParseSNMP}, {"snmp6", ParseSNMP6}} {
		b, err := os.ReadFile(filepath.Join(dir, f.name))
		if errors.Is(err, os.ErrNotExist) && f.name == "snmp6" {
			continue // IPv6 disabled
		}
		if err != nil {
			return nil, fmt.Errorf("link: %w", err)
		}
		if err := f.parse(b, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}
