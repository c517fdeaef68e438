// Package nagios speaks monitoring-plugins 2.3.3's check_ping and
// check_icmp: their thresholds (parsed once here, for the check modes and
// for ping's threshold mode alike), their status lines with performance
// data, byte for byte, their verdicts and exit states, and what each says
// of an ICMP error (from icmpmsg's classification of it); how each run
// goes (PingRun, ICMPRun: which event ends it, how long it may take) and
// the plugins' defaults.
//
// Everything here is pure: results and events in, lines and states out;
// safe for concurrent use but for a run's Event, which its run's one
// event loop calls.
package nagios
