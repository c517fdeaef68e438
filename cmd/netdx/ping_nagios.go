package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"netdx/probe"
)

// threshold is a check_ping RTA,LOSS% pair.
type threshold struct {
	rta  float64 // ms
	loss int     // percent
}

type thresholds struct{ warn, crit threshold }

// thresholdFlags reads check_ping's -w RTA,LOSS% -c RTA,LOSS%: nil
// without thresholds (-c and -w are then a count and a deadline). -p, the
// packets of threshold mode, is refused without them.
func thresholdFlags(c *cli.Context) (*thresholds, error) {
	w, cr := c.String("w"), c.String("c")
	switch wt, ct := isThreshold(w), isThreshold(cr); {
	case !wt && !ct:
		if c.IsSet("p") {
			return nil, usageError("netdx ping: -p is for threshold mode (-w RTA,LOSS%% -c RTA,LOSS%%); use -c for a count")
		}
		return nil, nil
	case wt != ct:
		return nil, usageError("netdx ping: thresholds need both -w RTA,LOSS%% and -c RTA,LOSS%%")
	}
	warn, err := parseThreshold(w)
	if err != nil {
		return nil, usageError("netdx ping: -w %s: %v", w, err)
	}
	crit, err := parseThreshold(cr)
	if err != nil {
		return nil, usageError("netdx ping: -c %s: %v", cr, err)
	}
	if warn.rta > crit.rta || warn.loss > crit.loss {
		return nil, usageError("netdx ping: the warning threshold (-w %s) must not exceed the critical one (-c %s)", w, cr)
	}
	return &thresholds{warn: warn, crit: crit}, nil
}

// isThreshold tells a threshold ("100,20%") from a count or seconds.
func isThreshold(s string) bool { return strings.ContainsAny(s, ",:%") }

// parseThreshold parses check_ping's RTA,LOSS% (also RTA:LOSS%).
func parseThreshold(s string) (threshold, error) {
	rta, loss, ok := strings.Cut(s, ",")
	if !ok {
		rta, loss, ok = strings.Cut(s, ":")
	}
	l, hasPct := strings.CutSuffix(loss, "%")
	if !ok || !hasPct {
		return threshold{}, errors.New("want RTA,LOSS% (e.g. 100,20%)")
	}
	r, err := strconv.ParseFloat(rta, 64)
	if err != nil || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		return threshold{}, fmt.Errorf("round trip average %q is not a number of milliseconds", rta)
	}
	p, err := strconv.Atoi(l)
	if err != nil || p < 0 || p > 100 {
		return threshold{}, fmt.Errorf("packet loss %q is not a percentage", loss)
	}
	return threshold{rta: r, loss: p}, nil
}

// nagiosFigures are the loss and RTA check_ping would read off iputils'
// output: the loss percentage truncated, the average to the microsecond.
func nagiosFigures(r probe.Result) (pl int, rta float64) {
	pl = int(r.LossPct)
	if r.RTT != nil {
		rta = math.Round(r.RTT.Avg*1000) / 1000
	}
	return pl, rta
}

// nagiosState is check_ping's verdict for one target.
func nagiosState(r probe.Result, th thresholds) int {
	if r.Error != "" {
		return exitUnknown
	}
	pl, rta := nagiosFigures(r)
	if pl == 100 {
		rta = th.crit.rta
	}
	state := exitOK
	switch {
	case pl >= th.crit.loss || rta >= th.crit.rta:
		state = exitCritical
	case pl >= th.warn.loss || rta >= th.warn.rta:
		state = exitWarning
	}
	if r.Duplicates > 0 {
		state = max(state, exitWarning)
	}
	return state
}

// nagiosLine is check_ping's output line with its performance data.
func nagiosLine(r probe.Result, th thresholds) string {
	if r.Error != "" {
		return fmt.Sprintf("PING UNKNOWN - Host not found (%s): %s", r.Target, r.Error)
	}
	state := nagiosState(r, th)
	pl, rta := nagiosFigures(r)
	warnText := ""
	if r.Duplicates > 0 {
		warnText = "DUPLICATES FOUND! "
	}
	var b strings.Builder
	name := strings.ToUpper(statusName(state))
	if pl == 100 {
		fmt.Fprintf(&b, "PING %s - %sPacket loss = %d%%", name, warnText, pl)
		fmt.Fprintf(&b, "| rta=U;%f;%f;;", th.warn.rta, th.crit.rta)
	} else {
		fmt.Fprintf(&b, "PING %s - %sPacket loss = %d%%, RTA = %2.2f ms", name, warnText, pl, rta)
		b.WriteString("|rta=" + strconv.FormatFloat(rta, 'f', 6, 64) + "ms;")
		if th.warn.rta > 0 {
			b.WriteString(strconv.FormatFloat(th.warn.rta, 'f', 6, 64))
		}
		b.WriteString(";")
		if th.crit.rta > 0 {
			b.WriteString(strconv.FormatFloat(th.crit.rta, 'f', 6, 64))
		}
		b.WriteString(";0.000000")
	}
	fmt.Fprintf(&b, " pl=%d%%;", pl)
	if th.warn.loss > 0 {
		b.WriteString(strconv.Itoa(th.warn.loss))
	}
	b.WriteString(";")
	if th.crit.loss > 0 {
		b.WriteString(strconv.Itoa(th.crit.loss))
	}
	b.WriteString(";0;") // check_ping ends the perfdata with ";"
	return b.String()
}
