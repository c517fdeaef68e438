package daemon

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"netdx/watch/audit"
	"netdx/watch/metrics"
)

// serve serves /metrics (w's status, the sinks' counts, the audit's) and
// /probe on cfg.Listener, if any, until the returned function is called:
// it lets the requests running finish, for up to 2 s.
func serve(cfg Config, w watcher, s *sinks, log *slog.Logger) (stop func()) {
	if cfg.Listener == nil {
		return func() {}
	}
	var auditStats func() audit.Stats
	if a := w.Audit(); a != nil {
		auditStats = a.Stats
	}
	exp := metrics.NewExporter(w, s.metrics(), auditStats)
	srv := &http.Server{Handler: metrics.Handler(metrics.Config{Exporter: exp, Probe: probeConfig(cfg), Logger: log}),
		ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(cfg.Listener)
	}()
	log.Info("netdx watch: serving /metrics and /probe", "addr", cfg.Listener.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-served
	}
}
