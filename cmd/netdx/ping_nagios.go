package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"netdx/dialect/nagios"
)

// thresholdFlags reads check_ping's -w RTA,LOSS% -c RTA,LOSS%: nil
// without thresholds (-c and -w are then a count and a deadline). -p, the
// packets of threshold mode, is refused without them.
func thresholdFlags(c *cli.Context) (*nagios.Thresholds, error) {
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
	th, err := nagios.ParseCheckPing(w, cr)
	if err != nil {
		return nil, usageError("netdx ping: %v", err)
	}
	return &th, nil
}

// isThreshold tells a threshold ("100,20%") from a count or seconds.
func isThreshold(s string) bool { return strings.ContainsAny(s, ",:%") }
