package journal

import (
	"strconv"
	"strings"
)

// sizeUnits are the suffixes of a size, largest first.
var sizeUnits = []struct {
	suffix string
	bytes  int64
}{{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}}

// ParseSize reads a Config.MaxSize as people write it: bytes with an
// optional K, M or G suffix (powers of 1024), or -1 (NeverRotate). What it
// cannot read is a *ConfigError for MaxSize.
func ParseSize(v string) (int64, error) {
	if v == strconv.Itoa(NeverRotate) {
		return NeverRotate, nil
	}
	n, mult := v, int64(1)
	for _, u := range sizeUnits {
		if s, ok := strings.CutSuffix(v, u.suffix); ok {
			n, mult = s, u.bytes
			break
		}
	}
	size, err := strconv.ParseInt(n, 10, 64)
	if err != nil || size < 1 || size > (1<<50)/mult {
		return 0, &ConfigError{Field: "MaxSize", Value: v, Reason: "want a positive size in bytes, or with K, M or G, or -1"}
	}
	return size * mult, nil
}

// FormatSize writes a size as ParseSize reads it, in the largest unit
// that keeps it whole.
func FormatSize(n int64) string {
	for _, u := range sizeUnits {
		if n > 0 && n%u.bytes == 0 {
			return strconv.FormatInt(n/u.bytes, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
