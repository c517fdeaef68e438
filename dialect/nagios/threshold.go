package nagios

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Threshold is one of check_ping's: a round trip average in milliseconds
// and a packet loss in percent.
type Threshold struct {
	RTA  float64
	Loss int
}

// Thresholds are check_ping's warning and critical thresholds.
type Thresholds struct{ Warn, Crit Threshold }

var errThreshold = errors.New("want RTA,LOSS% (e.g. 100,20%)")

// parseThreshold reads check_ping's RTA,PL% (or RTA:PL%), RTA alone or
// PL% alone; a part not given is -1.
func parseThreshold(s string) (Threshold, error) {
	th := Threshold{RTA: -1, Loss: -1}
	rta, loss, pair := strings.Cut(strings.Replace(s, ":", ",", 1), ",")
	if !pair && strings.HasSuffix(s, "%") {
		rta, loss = "", s
	}
	if s == "" || pair && !strings.HasSuffix(loss, "%") {
		return th, errThreshold
	}
	if rta != "" || pair {
		r, err := strconv.ParseFloat(rta, 64)
		if err != nil || !(r >= 0) || math.IsInf(r, 0) {
			return th, fmt.Errorf("round trip average %q is not a number of milliseconds", rta)
		}
		th.RTA = r
	}
	if loss != "" {
		p, err := strconv.ParseFloat(strings.TrimSuffix(loss, "%"), 64)
		if err != nil || !(p >= 0 && p <= 100) || p != math.Trunc(p) {
			return th, fmt.Errorf("packet loss %q is not a percentage", loss)
		}
		th.Loss = int(p)
	}
	return th, nil
}

// ParseCheckPing reads check_ping's -w and -c ("" for a flag not given)
// as check_ping checks them: each threshold whole, the warning one within
// the critical one. Its errors are *InputError.
func ParseCheckPing(warn, crit string) (Thresholds, error) {
	th := Thresholds{Warn: Threshold{-1, -1}, Crit: Threshold{-1, -1}}
	for _, f := range []struct {
		flag, s string
		th      *Threshold
	}{{"-w", warn, &th.Warn}, {"-c", crit, &th.Crit}} {
		if f.s == "" {
			continue
		}
		t, err := parseThreshold(f.s)
		if err != nil {
			return th, &InputError{fmt.Sprintf("check_ping: %s: Warning threshold must be integer or percentage!", f.s),
				fmt.Errorf("%s %s: %w", f.flag, f.s, err)}
		}
		if t.RTA >= 0 {
			f.th.RTA = t.RTA
		}
		if t.Loss >= 0 {
			f.th.Loss = t.Loss
		}
	}
	missing := func(line, flag, what string) error {
		return &InputError{line, fmt.Errorf("%s: no %s (%s RTA,PL%%)", flag, what, flag)}
	}
	above := fmt.Errorf("the warning threshold (-w %s) must not exceed the critical one (-c %s)", warn, crit)
	switch w, c := th.Warn, th.Crit; {
	case w.RTA < 0:
		return th, missing("<wrta> was not set", "-w", "round trip average")
	case c.RTA < 0:
		return th, missing("<crta> was not set", "-c", "round trip average")
	case w.Loss < 0:
		return th, missing("<wpl> was not set", "-w", "packet loss")
	case c.Loss < 0:
		return th, missing("<cpl> was not set", "-c", "packet loss")
	case w.RTA > c.RTA:
		return th, &InputError{fmt.Sprintf("<wrta> (%f) cannot be larger than <crta> (%f)", w.RTA, c.RTA), above}
	case w.Loss > c.Loss:
		return th, &InputError{fmt.Sprintf("<wpl> (%d) cannot be larger than <cpl> (%d)", w.Loss, c.Loss), above}
	}
	return th, nil
}

// Verbose is check_ping -v's line after the status line: the thresholds.
func (th Thresholds) Verbose() string {
	return fmt.Sprintf("%f:%d%% %f:%d%%", th.Warn.RTA, th.Warn.Loss, th.Crit.RTA, th.Crit.Loss)
}
