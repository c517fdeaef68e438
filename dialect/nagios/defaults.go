package nagios

import "time"

// The plugins' defaults, as monitoring-plugins 2.3.3 has them (check_icmp's
// thresholds: ParseCheckICMP without -w and -c).
const (
	// PingPackets and PingTimeoutSeconds are check_ping's -p and -t.
	PingPackets        = 5
	PingTimeoutSeconds = 10
	// ICMPPackets (at most ICMPMaxPackets), ICMPInterval, ICMPBytes and
	// ICMPTimeoutSeconds are check_icmp's -n, -i, -b and -t.
	ICMPPackets        = 5
	ICMPMaxPackets     = 20
	ICMPInterval       = 80 * time.Millisecond
	ICMPBytes          = 68
	ICMPTimeoutSeconds = 10
)
