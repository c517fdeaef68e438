package watch

import (
	"maps"
	"testing"
)

// TestRoundCounts: a round carries what the counts gained since the last
// one, nothing for what stood still; the path totals add without sharing
// the maps the status hands out.
func TestRoundCounts(t *testing.T) {
	was := map[string]int{"wrong_token": 3, "wrong_source": 1}
	now := map[string]int{"wrong_token": 5, "wrong_source": 1, "bad_checksum": 2}
	if got := since(now, was); !maps.Equal(got, map[string]int{"wrong_token": 2, "bad_checksum": 2}) || sum(got) != 4 {
		t.Errorf("since: %v", got)
	}
	if got := since(was, was); got != nil {
		t.Errorf("nothing new: %v, want nil (left out of the record)", got)
	}
	if got := since(now, nil); !maps.Equal(got, now) {
		t.Errorf("since the start: %v", got)
	}
	a := map[string]int{"repeated_error": 1}
	b := addCounts(a, map[string]int{"repeated_error": 2, "wrong_token": 1})
	if !maps.Equal(b, map[string]int{"repeated_error": 3, "wrong_token": 1}) || a["repeated_error"] != 1 {
		t.Errorf("addCounts: %v, and a became %v", b, a)
	}
	if got := addCounts(nil, map[string]int{"x": 1}); got["x"] != 1 {
		t.Errorf("addCounts onto nothing: %v", got)
	}
}
