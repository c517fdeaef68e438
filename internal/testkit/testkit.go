// Package testkit holds the helpers netdx's tests share: a log buffer
// that goroutines may write to while the test reads it, and waits (for a
// condition, a value, or the end of goroutines) with a deadline.
package testkit

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
)

// LogBuffer collects log lines written from any goroutine.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Logger is a text logger writing to l.
func (l *LogBuffer) Logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// Count is how many times s occurs in the log.
func (l *LogBuffer) Count(s string) int { return strings.Count(l.String(), s) }
