package journal

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// OnFull is what the journal does with a record when its backlog is full.
// The zero value is PurgeOldest.
type OnFull int

// Final actions.
const (
	PurgeOldest OnFull = iota // drop the oldest waiting record to keep the new one
	IgnoreNew                 // drop the new record
	Stop                      // refuse this and every later record
)

var onFullNames = []string{"purge-oldest", "ignore-new", "stop"}

func (a OnFull) String() string {
	if a < 0 || int(a) >= len(onFullNames) {
		return fmt.Sprintf("on-full(%d)", int(a))
	}
	return onFullNames[a]
}

// ParseOnFull reads an --on-full value.
func ParseOnFull(s string) (OnFull, error) {
	for i, n := range onFullNames {
		if s == n {
			return OnFull(i), nil
		}
	}
	return 0, fmt.Errorf("journal: --on-full %q: want purge-oldest, ignore-new or stop", s)
}

// Config says where and how to keep the journal. The zero value of every
// field but Path is its default.
type Config struct {
	// Path is the journal file (--journal).
	Path string
	// Host stamps the journal's own notice records; empty means
	// os.Hostname.
	Host string
	// MaxSize is the size in bytes at which the file is rotated: 0 means
	// 64 MiB, negative never rotates.
	MaxSize int64
	// Keep is how many rotated files (Path.1 the newest … Path.Keep) are
	// kept; 0 means 5.
	Keep int
	// Flush is how often written records are fsynced: 0 means every
	// second, negative after every record.
	Flush time.Duration
	// Backlog bounds the records waiting in memory for the disk: 0 means
	// 10000. BacklogBytes bounds their size: 0 means 32 MiB.
	Backlog      int
	BacklogBytes int64
	// OnFull is the final action when the backlog is full.
	OnFull OnFull
	// Retry is how often a failing disk is tried again: 0 means a second.
	Retry time.Duration
	// MaxRecord is the longest line accepted: 0 means 4 MiB.
	MaxRecord int
	// Logger receives the journal's log lines; nil means slog.Default().
	Logger *slog.Logger
}

// ErrBadConfig is returned by Open for a configuration it cannot use.
var ErrBadConfig = errors.New("journal: bad configuration")

// withDefaults validates c and fills in the defaults.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Path == "":
		return c, fmt.Errorf("%w: --journal needs a file name", ErrBadConfig)
	case c.Keep < 0:
		return c, fmt.Errorf("%w: keep %d rotated files", ErrBadConfig, c.Keep)
	case c.Backlog < 0 || c.BacklogBytes < 0 || c.MaxRecord < 0 || c.Retry < 0:
		return c, fmt.Errorf("%w: negative backlog, record size or retry interval", ErrBadConfig)
	case c.OnFull < PurgeOldest || c.OnFull > Stop:
		return c, fmt.Errorf("%w: on-full action %d", ErrBadConfig, c.OnFull)
	}
	if c.Host == "" {
		c.Host, _ = os.Hostname()
	}
	if c.MaxSize == 0 {
		c.MaxSize = 64 << 20
	}
	if c.Keep == 0 {
		c.Keep = 5
	}
	if c.Flush == 0 {
		c.Flush = time.Second
	}
	if c.Backlog == 0 {
		c.Backlog = 10000
	}
	if c.BacklogBytes == 0 {
		c.BacklogBytes = 32 << 20
	}
	if c.Retry == 0 {
		c.Retry = time.Second
	}
	if c.MaxRecord == 0 {
		c.MaxRecord = 4 << 20
	}
	if c.MaxSize > 0 && int64(c.MaxRecord) > c.MaxSize {
		return c, fmt.Errorf("%w: a record (%d bytes) may not fit in a file of %d bytes", ErrBadConfig, c.MaxRecord, c.MaxSize)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
