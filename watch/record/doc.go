// Package record is what netdx watch hands to its sinks (the journal,
// syslog, metrics): one Record per event, stamped with time and host, whose
// payload is plain structs with JSON tags. A journal line is one Record as
// JSON; syslog turns the same Record into an RFC 5424 message.
//
// Kinds: a round of measurements (Round), a finding raised or cleared
// (Finding, with the time it was raised on clearing), a connection audit
// event (Audit), a snapshot taken by a trigger (Snapshot), and the
// watcher's own notices about its sinks (Notice: a repaired journal, its
// unreadable lines set aside, records dropped while the disk was full).
//
// Field names are stable, as the JSON contracts of the design: more may be
// added, none renamed.
//
// Privileges: none. Records are values; safe to share once built.
package record
