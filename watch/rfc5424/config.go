package rfc5424

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"time"

	"netdx/internal/configerr"
	"netdx/watch/backlog"
	"netdx/watch/record"
)

// Config says where and what to send. Start from DefaultConfig.
type Config struct {
	// URL is udp://HOST[:PORT], tcp://HOST[:PORT] or unix:///PATH; the
	// port defaults to 514.
	URL string
	// Hostname is the HOSTNAME of records that carry no host, AppName
	// the APP-NAME; either sent as "-" when empty.
	Hostname string
	AppName  string
	// Facility is a facility name: daemon, local0 … local7, auth, ….
	Facility string
	// Kinds are the records sent: at least one kind.
	Kinds []record.Kind
	// BOM starts messages whose text is not ASCII with the byte order
	// mark RFC 5424 allows (MSG-UTF8); off, the text is UTF-8 without it
	// (rsyslog keeps a BOM in %msg%).
	BOM bool
	// Journal is the journal file the watch writes, named by the
	// messages of snapshots (which it keeps whole); empty when there is
	// none.
	Journal string
	// Backlog bounds the messages kept while the receiver is away, and
	// those sent on TCP but not yet acknowledged.
	Backlog int
	// MaxSize is the longest message in bytes on TCP and unix sockets,
	// MaxUDPSize in a UDP datagram; each at least MinSize.
	MaxSize    int
	MaxUDPSize int
	// BackoffMin and BackoffMax bound the wait between reconnections,
	// doubled after each failure.
	BackoffMin, BackoffMax time.Duration
	// DrainTimeout is how long Close keeps trying to deliver the backlog.
	DrainTimeout time.Duration
	// Dial opens connections. Tests dial from inside a network namespace
	// with it.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Logger receives the writer's log lines.
	Logger *slog.Logger
}

// Bounds of the message sizes: RFC 5424 receivers take at least MinSize
// bytes; a UDP datagram carries at most MaxDatagram.
const (
	MinSize     = 480
	MaxDatagram = 65507
)

// DefaultConfig is the writer's configuration but for its URL: the
// findings, audit events, snapshots and notices (not rounds) from the
// daemon facility, UTF-8 text without a BOM, 1000 messages kept, messages of up to 8192 bytes
// (rsyslog's default) or 2048 on UDP (RFC 5426's safe size), reconnections
// after 100 ms up to 30 s, 2 s to deliver the backlog on Close.
func DefaultConfig() Config {
	host, _ := os.Hostname()
	return Config{
		Hostname:     host,
		AppName:      "netdx",
		Facility:     "daemon",
		Kinds:        []record.Kind{record.KindRaised, record.KindCleared, record.KindAudit, record.KindSnapshot, record.KindNotice},
		Backlog:      1000,
		MaxSize:      8192,
		MaxUDPSize:   2048,
		BackoffMin:   100 * time.Millisecond,
		BackoffMax:   30 * time.Second,
		DrainTimeout: 2 * time.Second,
		Dial:         (&net.Dialer{}).DialContext,
		Logger:       slog.Default(),
	}
}

// ErrConfig matches every *ConfigError.
var ErrConfig = errors.New("rfc5424: bad configuration")

// ConfigError is a Config field that cannot run. It names the field, not
// any command-line flag.
type ConfigError = configerr.Error[configOwner]

// configOwner makes ConfigError rfc5424's own: its messages start with
// "rfc5424:" and it matches ErrConfig.
type configOwner struct{}

func (configOwner) Package() string    { return "rfc5424" }
func (configOwner) Sentinels() []error { return []error{ErrConfig} }

// Validate reports the first field of c that cannot run, as a
// *ConfigError.
func (c Config) Validate() error {
	if _, err := parseURL(c.URL); err != nil {
		return err
	}
	if _, err := facility(c.Facility); err != nil {
		return err
	}
	bad := func(field string, v any, format string, a ...any) error {
		return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
	}
	switch {
	case len(c.Kinds) == 0:
		return bad("Kinds", c.Kinds, "want at least one kind of record")
	case c.MaxSize < MinSize:
		return bad("MaxSize", c.MaxSize, "want at least %d bytes: RFC 5424 receivers take that much", MinSize)
	case c.MaxUDPSize < MinSize || c.MaxUDPSize > MaxDatagram:
		return bad("MaxUDPSize", c.MaxUDPSize, "want %d..%d bytes: RFC 5424 receivers take %[1]d, a datagram carries %[2]d", MinSize, MaxDatagram)
	case c.Dial == nil:
		return bad("Dial", nil, "want a dial function")
	case c.Logger == nil:
		return bad("Logger", nil, "want a logger")
	}
	for _, k := range c.Kinds {
		if !slices.Contains(record.Kinds(), k) {
			return bad("Kinds", k, "want kinds of record.Kinds()")
		}
	}
	return backlog.Recast[configOwner](c.queue().Validate(), map[string]string{
		"Messages": "Backlog", "MinBackoff": "BackoffMin", "MaxBackoff": "BackoffMax", "DrainFor": "DrainTimeout"})
}

// queue is the backlog's part of c: messages are bounded by number, the
// oldest dropped.
func (c Config) queue() backlog.Config {
	return backlog.Config{Messages: c.Backlog, Bytes: math.MaxInt64, OnFull: backlog.PurgeOldest,
		MinBackoff: c.BackoffMin, MaxBackoff: c.BackoffMax, DrainFor: c.DrainTimeout}
}

// target is where a URL points.
type target struct {
	network string // udp, tcp, unixgram
	address string
	stream  bool // octet-counted frames on a connection
}

// parseURL reads Config.URL.
func parseURL(s string) (target, error) {
	const forms = "udp://HOST[:PORT], tcp://HOST[:PORT] or unix:///PATH"
	bad := func(why string) (target, error) {
		return target{}, &ConfigError{Field: "URL", Value: s, Reason: why}
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad(errors.Unwrap(err).Error() + " (want " + forms + ")")
	}
	switch u.Scheme {
	case "udp", "tcp":
		if u.Hostname() == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
			return bad("want " + u.Scheme + "://HOST[:PORT]: a host and an optional port, nothing else")
		}
		port := u.Port()
		if port == "" {
			port = "514"
		} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return bad("port " + port + ": want 1..65535")
		}
		return target{network: u.Scheme, address: net.JoinHostPort(u.Hostname(), port), stream: u.Scheme == "tcp"}, nil
	case "unix":
		if u.Host != "" || u.Path == "" {
			return bad("want unix:///PATH: an absolute socket path, as unix:///dev/log")
		}
		return target{network: "unixgram", address: u.Path}, nil
	}
	return bad("unknown scheme (want " + forms + ")")
}

var facilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

// facility returns the number of Config.Facility.
func facility(name string) (int, error) {
	if i := slices.Index(facilities, name); i >= 0 {
		return i, nil
	}
	return 0, &ConfigError{Field: "Facility", Value: name, Reason: "want one of daemon, user, auth, authpriv, local0 … local7"}
}
