package metrics

import (
	"fmt"
	"io"
	"net/http/httptest"
	"testing"

	"netdx/watch"
)

// BenchmarkScrape is one /metrics scrape of a watch of 254 targets with
// host checks (the bench/watch-vs-smokeping.sh setting).
func BenchmarkScrape(b *testing.B) {
	h := Handler(Config{Exporter: NewExporter(fixed(manyTargets(254)), nil, nil)})
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		io.Copy(io.Discard, w.Body)
	}
}

// manyTargets is status() with n targets like its one.
func manyTargets(n int) watch.Status {
	s := status()
	one := s.Targets[0]
	s.Targets = nil
	for i := range n {
		t := one
		t.Target, t.Addr = fmt.Sprintf("198.18.100.%d", i+1), fmt.Sprintf("198.18.100.%d", i+1)
		s.Targets = append(s.Targets, t)
	}
	return s
}
