package rfc5424

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"time"

	"netdx/watch/record"
)

// Config says where and what to send. The zero value of every field but
// URL is its default.
type Config struct {
	// URL is udp://HOST[:PORT], tcp://HOST[:PORT] or unix:///PATH
	// (--syslog); the port defaults to 514.
	URL string
	// Hostname is the HOSTNAME of records that carry no host; empty means
	// os.Hostname. AppName is the APP-NAME; empty means "netdx".
	Hostname string
	AppName  string
	// Facility is a facility name (daemon, local0 … local7, auth, …);
	// empty means daemon.
	Facility string
	// Kinds are the records sent; nil means raised, cleared, audit,
	// snapshot and notice (not rounds).
	Kinds []record.Kind
	// Backlog bounds the messages kept while the receiver is away; 0
	// means 1000.
	Backlog int
	// MaxSize is the longest message in bytes; 0 means 2048 on UDP (RFC
	// 5426's safe size) and 8192 otherwise (rsyslog's default).
	MaxSize int
	// BackoffMin and BackoffMax bound the wait between reconnections,
	// doubled after each failure; 0 means 100 ms and 30 s.
	BackoffMin, BackoffMax time.Duration
	// DrainTimeout is how long Close keeps trying to deliver the backlog;
	// 0 means 2 s.
	DrainTimeout time.Duration
	// Dial opens connections; nil means a net.Dialer with a 5 s timeout.
	// Tests dial from inside a network namespace with it.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Logger receives the writer's log lines; nil means slog.Default().
	Logger *slog.Logger
}

// ErrBadConfig is returned by New for a configuration it cannot use.
var ErrBadConfig = errors.New("rfc5424: bad configuration")

// target is where a URL points.
type target struct {
	network string // udp, tcp, unixgram
	address string
	stream  bool // octet-counted frames on a connection
}

// parseURL reads a --syslog URL.
func parseURL(s string) (target, error) {
	bad := func(why string) (target, error) {
		return target{}, fmt.Errorf("%w: --syslog %q: %s (want udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH)", ErrBadConfig, s, why)
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad(err.Error())
	}
	switch u.Scheme {
	case "udp", "tcp":
		if u.Hostname() == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
			return bad("a host and an optional port, nothing else")
		}
		port := u.Port()
		if port == "" {
			port = "514"
		}
		return target{network: u.Scheme, address: net.JoinHostPort(u.Hostname(), port), stream: u.Scheme == "tcp"}, nil
	case "unix":
		if u.Host != "" || u.Path == "" {
			return bad("an absolute socket path, as unix:///dev/log")
		}
		return target{network: "unixgram", address: u.Path}, nil
	}
	return bad("unknown scheme")
}

var facilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

// ParseFacility returns the number of a facility name.
func ParseFacility(name string) (int, error) {
	if i := slices.Index(facilities, name); i >= 0 {
		return i, nil
	}
	return 0, fmt.Errorf("%w: --syslog-facility %q: want one of daemon, user, auth, authpriv, local0 … local7", ErrBadConfig, name)
}

// withDefaults validates c, fills in the defaults and returns the target.
func (c Config) withDefaults() (Config, target, Header, error) {
	t, err := parseURL(c.URL)
	if err != nil {
		return c, t, Header{}, err
	}
	if c.Facility == "" {
		c.Facility = "daemon"
	}
	fac, err := ParseFacility(c.Facility)
	if err != nil {
		return c, t, Header{}, err
	}
	switch {
	case c.Backlog < 0 || c.MaxSize < 0 || c.BackoffMin < 0 || c.BackoffMax < 0 || c.DrainTimeout < 0:
		return c, t, Header{}, fmt.Errorf("%w: negative backlog, size or duration", ErrBadConfig)
	case c.MaxSize > 0 && c.MaxSize < 480:
		return c, t, Header{}, fmt.Errorf("%w: max size %d: RFC 5424 receivers take at least 480 bytes", ErrBadConfig, c.MaxSize)
	}
	for _, k := range c.Kinds {
		if !slices.Contains(record.Kinds(), k) {
			return c, t, Header{}, fmt.Errorf("%w: unknown record kind %q", ErrBadConfig, k)
		}
	}
	if c.Kinds == nil {
		c.Kinds = []record.Kind{record.KindRaised, record.KindCleared, record.KindAudit, record.KindSnapshot, record.KindNotice}
	}
	if c.Hostname == "" {
		c.Hostname, _ = os.Hostname()
	}
	if c.AppName == "" {
		c.AppName = "netdx"
	}
	if c.Backlog == 0 {
		c.Backlog = 1000
	}
	if c.MaxSize == 0 {
		c.MaxSize = 8192
		if t.network == "udp" {
			c.MaxSize = 2048
		}
	}
	if c.BackoffMin == 0 {
		c.BackoffMin = 100 * time.Millisecond
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = 30 * time.Second
	}
	c.BackoffMax = max(c.BackoffMax, c.BackoffMin)
	if c.DrainTimeout == 0 {
		c.DrainTimeout = 2 * time.Second
	}
	if c.Dial == nil {
		d := &net.Dialer{Timeout: 5 * time.Second}
		c.Dial = d.DialContext
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, t, Header{Facility: fac, Hostname: c.Hostname, AppName: c.AppName, PID: os.Getpid()}, nil
}
