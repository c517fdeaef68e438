// Package nagios speaks monitoring-plugins 2.3.3's check_ping and
// check_icmp: their thresholds (parsed once here, for the check modes and
// for ping's threshold mode alike), their status lines with performance
// data, byte for byte, their verdicts and exit states, and what each says
// of an ICMP error (from icmpmsg's classification of it).
//
// Everything here is pure: results in, lines and states out; safe for
// concurrent use.
package nagios
