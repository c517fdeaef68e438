package journal

import (
	"errors"
	"testing"
)

// TestSizes: a size reads back as it is shown; what is not a size is the
// MaxSize field's error.
func TestSizes(t *testing.T) {
	for _, n := range []int64{64 << 20, 1 << 30, 3 << 10, 1000, 1<<20 + 1, NeverRotate} {
		if got, err := ParseSize(FormatSize(n)); err != nil || got != n {
			t.Errorf("%d: shown %q, read %d %v", n, FormatSize(n), got, err)
		}
	}
	for n, want := range map[int64]string{64 << 20: "64M", 3 << 30: "3G", 1000: "1000", 1 << 10: "1K"} {
		if s := FormatSize(n); s != want {
			t.Errorf("%d shown as %q, want %q", n, s, want)
		}
	}
	for _, bad := range []string{"", "0", "-2", "1T", "K", "2000000G", "4k"} {
		_, err := ParseSize(bad)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "MaxSize" || ce.Value != bad || !errors.Is(err, ErrConfig) {
			t.Errorf("%q: %v, want the MaxSize field refused", bad, err)
		}
	}
}
