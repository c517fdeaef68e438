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
	s := status()
	one := s.Targets[0]
	s.Targets = nil
	for i := range 254 {
		t := one
		t.Target, t.Addr = fmt.Sprintf("198.18.100.%d", i+1), fmt.Sprintf("198.18.100.%d", i+1)
		s.Targets = append(s.Targets, t)
	}
	h := Handler(Config{Collector: NewCollector(fixed(s), nil, nil)})
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		io.Copy(io.Discard, w.Body)
	}
}

var _ = watch.Status{}
