package fping

import "time"

// fping 5.1's settings in count mode (-c, -C), where netdx's ping takes
// fping's flags.
const (
	// Period is -p's default: the time between two requests to a target.
	Period = time.Second
	// Interval is -i's default: the time between any two requests.
	Interval = 10 * time.Millisecond
	// MaxTimeout bounds -t's default, which is -p.
	MaxTimeout = 2 * time.Second
	// MaxCount bounds -c and -C: one wire sequence per request to a
	// target.
	MaxCount = 65535
	// Retries is -r's default (fping uses it outside count mode only).
	Retries = 3
)
