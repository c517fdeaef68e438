package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"

	"netdx/watch"
	"netdx/watch/backlog"
	"netdx/watch/metrics"
	"netdx/watch/record"
)

// Sink is a sink the daemon opens, hands to the watch and closes: the
// journal, syslog, the trigger.
type Sink interface {
	watch.Sink
	// Close delivers what the sink still holds, as far as it can, and
	// releases it.
	Close() error
	// Dropped counts the records the sink dropped by its own account (a
	// full backlog, a receiver away, every slot busy).
	Dropped() uint64
}

// Reopener is a Sink that opens its file again on SIGHUP, after
// logrotate moved it (the journal).
type Reopener interface {
	Reopen() error
}

// Output is a sink to open: its name, for its metrics and log lines, and
// how to open it from a configuration already checked.
type Output struct {
	Name string
	Open func() (Sink, error)
}

// sinks are the outputs opened, in order.
type sinks struct {
	names []string
	list  []Sink
	log   *slog.Logger
}

// open opens every output in order; when one fails, those already open
// are closed and its error returned as it is.
func open(outs []Output, log *slog.Logger) (*sinks, error) {
	s := &sinks{log: log}
	for _, o := range outs {
		sk, err := o.Open()
		if err != nil {
			s.close()
			return nil, err
		}
		s.names, s.list = append(s.names, o.Name), append(s.list, sk)
	}
	return s, nil
}

// watchSinks are the sinks as the watch writes to them.
func (s *sinks) watchSinks() []watch.Sink {
	out := make([]watch.Sink, len(s.list))
	for i, sk := range s.list {
		out[i] = stopping{sk}
	}
	return out
}

// metrics names the sinks and their drops for the exporter.
func (s *sinks) metrics() []metrics.Sink {
	out := make([]metrics.Sink, len(s.list))
	for i, sk := range s.list {
		out[i] = metrics.Sink{Name: s.names[i], Dropped: sk.Dropped}
	}
	return out
}

// reopenOn reopens the sinks that can each time hup delivers, until the
// returned function is called (it returns once the reopening stopped).
func (s *sinks) reopenOn(hup <-chan os.Signal) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-hup:
				s.reopen()
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-stopped }) }
}

// reopen reopens every Reopener, logging those that fail.
func (s *sinks) reopen() {
	for i, sk := range s.list {
		if r, ok := sk.(Reopener); ok {
			if err := r.Reopen(); err != nil {
				s.log.Error("netdx watch: reopening the "+s.names[i], "err", err)
			}
		}
	}
}

// close closes every sink, the last opened first.
func (s *sinks) close() error {
	var errs []error
	for _, sk := range slices.Backward(s.list) {
		errs = append(errs, sk.Close())
	}
	return errors.Join(errs...)
}

// stopping is a sink whose stopped backlog ends the watch.
type stopping struct{ Sink }

// Write writes r, its error wrapping watch.ErrStop once the sink's
// backlog stopped.
func (s stopping) Write(r record.Record) error {
	err := s.Sink.Write(r)
	if errors.Is(err, backlog.ErrStopped) {
		return fmt.Errorf("%w: %w", watch.ErrStop, err)
	}
	return err
}
