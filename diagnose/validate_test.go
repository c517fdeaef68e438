package diagnose

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	bad := []struct {
		field string
		cfg   Config
	}{
		{"MaxRTT", Config{MaxRTT: ExplicitZero}},
		{"MaxRTT", Config{MaxRTT: -time.Second}},
		{"Jump", Config{Jump: ExplicitZero}},
		{"MaxLossPct", Config{MaxLossPct: ExplicitZero}},
		{"MaxLossPct", Config{MaxLossPct: math.NaN()}},
		{"MaxLossPct", Config{MaxLossPct: 101}},
		{"MaxLossPct", Config{MaxLossPct: -1}},
		{"MaxRetransPct", Config{MaxRetransPct: math.NaN()}},
		{"MaxRetransPct", Config{MaxRetransPct: 101}},
		{"MaxRetransPct", Config{MaxRetransPct: -5}},
		{"TimeWaitPileup", Config{TimeWaitPileup: ExplicitZero}},
		{"TimeWaitPileup", Config{TimeWaitPileup: -3}},
		{"AllowedCapture", Config{AllowedCapture: []string{""}}},
		{"AllowedCapture", Config{AllowedCapture: []string{"NetworkManager-dispatcher"}}},
	}
	for _, tc := range bad {
		err := tc.cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v, want a ConfigError for %s", tc.cfg, err, tc.field)
			continue
		}
		if v, ok := ce.Value.(float64); ok && v == ExplicitZero {
			t.Errorf("%s: the error shows ExplicitZero, not 0", tc.field)
		}
	}
	if err := (Config{MaxRetransPct: ExplicitZero, AllowedCapture: []string{"dhclient"}}).Validate(); err != nil {
		t.Errorf("a retransmit threshold of 0 (any) is fine: %v", err)
	}
	if (Config{MaxRetransPct: ExplicitZero}).maxRetransPct() != 0 || (Config{}).maxRetransPct() != 2 {
		t.Error("MaxRetransPct: explicit 0 must be 0, unset 2")
	}
}
