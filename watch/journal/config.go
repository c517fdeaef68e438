package journal

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"netdx/internal/configerr"
	"netdx/watch/backlog"
)

// Config says where and how to keep the journal. Start from DefaultConfig.
type Config struct {
	// Path is the journal file.
	Path string
	// Host stamps the journal's own notice records.
	Host string
	// MaxSize is the size in bytes at which the file is rotated: at least
	// MaxRecord, or NeverRotate.
	MaxSize int64
	// Keep is how many rotated files (Path.1 the newest … Path.Keep) are
	// kept: at least 1.
	Keep int
	// Flush is how often written records are fsynced; FlushEach fsyncs
	// after every record instead.
	Flush     time.Duration
	FlushEach bool
	// Backlog bounds the records waiting in memory for the disk,
	// BacklogBytes their size (at least MaxRecord).
	Backlog      int
	BacklogBytes int64
	// OnFull is the final action when the backlog is full.
	OnFull backlog.OnFull
	// Retry is how often a failing disk is tried again.
	Retry time.Duration
	// MaxRecord is the longest line accepted, in bytes.
	MaxRecord int
	// Logger receives the journal's log lines.
	Logger *slog.Logger
}

// NeverRotate, as Config.MaxSize, lets the file grow without rotation.
const NeverRotate = -1

// DefaultConfig is the journal's configuration but for its Path: files
// rotated at 64 MiB, five kept, fsync every second, a backlog of 10000
// records that keeps the newest.
func DefaultConfig() Config {
	host, _ := os.Hostname()
	return Config{
		Host:         host,
		MaxSize:      64 << 20,
		Keep:         5,
		Flush:        time.Second,
		Backlog:      10000,
		BacklogBytes: 32 << 20,
		OnFull:       backlog.PurgeOldest,
		Retry:        time.Second,
		MaxRecord:    4 << 20,
		Logger:       slog.Default(),
	}
}

// ErrConfig matches every *ConfigError.
var ErrConfig = errors.New("journal: bad configuration")

// ConfigError is a Config field that cannot run. It names the field, not
// any command-line flag.
type ConfigError = configerr.Error[configOwner]

// configOwner makes ConfigError the journal's own: its messages start
// with "journal:" and it matches ErrConfig.
type configOwner struct{}

func (configOwner) Package() string    { return "journal" }
func (configOwner) Sentinels() []error { return []error{ErrConfig} }

// Validate reports the first field of c that cannot run, as a
// *ConfigError.
func (c Config) Validate() error {
	bad := func(field string, v any, format string, a ...any) error {
		return &ConfigError{Field: field, Value: v, Reason: fmt.Sprintf(format, a...)}
	}
	switch {
	case c.Path == "":
		return bad("Path", c.Path, "want a file name")
	case c.MaxRecord < 1:
		return bad("MaxRecord", c.MaxRecord, "want at least 1 byte")
	case c.MaxSize != NeverRotate && c.MaxSize < int64(c.MaxRecord):
		return bad("MaxSize", c.MaxSize, "want at least %d bytes, the longest record, or %d to never rotate",
			c.MaxRecord, NeverRotate)
	case c.Keep < 1:
		return bad("Keep", c.Keep, "want at least 1 rotated file")
	case c.Flush <= 0:
		return bad("Flush", c.Flush, "want a positive time")
	case c.BacklogBytes < int64(c.MaxRecord):
		return bad("BacklogBytes", c.BacklogBytes, "want at least %d bytes, the longest record", c.MaxRecord)
	case c.Logger == nil:
		return bad("Logger", nil, "want a logger")
	}
	return backlog.Recast[configOwner](c.queue().Validate(),
		map[string]string{"Messages": "Backlog", "Bytes": "BacklogBytes", "MinBackoff": "Retry", "MaxBackoff": "Retry"})
}

// queue is the backlog's part of c: Retry every time, and one pass over
// the backlog on Close.
func (c Config) queue() backlog.Config {
	return backlog.Config{Messages: c.Backlog, Bytes: c.BacklogBytes, OnFull: c.OnFull, MinBackoff: c.Retry, MaxBackoff: c.Retry}
}
