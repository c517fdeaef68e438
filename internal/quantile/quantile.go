// Package quantile picks order statistics from a sample by nearest rank:
// the p-th percentile is the smallest value with at least p percent of the
// sample at or below it, so a percentile is always a value that was
// measured, and the median of an even sample is the lower of its two
// middle values. ping's p50, p95 and p99, diagnose's medians and their
// intervals and watch's snapshot trigger all read samples this way, so one
// sample has one median everywhere.
package quantile

import (
	"cmp"
	"math"
	"slices"
)

// Rank is the position, counted from 0, of the p-th percentile by nearest
// rank among n sorted values (n > 0; p in [0, 100]).
func Rank(n int, p float64) int {
	k := int(math.Ceil(p / 100 * float64(n)))
	return min(max(k, 1), n) - 1
}

// Of is the p-th percentile of sorted, a non-empty sample in ascending
// order.
func Of[T cmp.Ordered](sorted []T, p float64) T {
	return sorted[Rank(len(sorted), p)]
}

// Median is the 50th percentile of values, in any order (values is not
// changed); the zero value for an empty sample.
func Median[T cmp.Ordered](values []T) T {
	if len(values) == 0 {
		var zero T
		return zero
	}
	s := slices.Clone(values)
	slices.Sort(s)
	return Of(s, 50)
}
