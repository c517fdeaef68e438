// Package journal keeps netdx watch's journal: one record.Record per line
// of JSON in a file, crash-safe, rotated by size.
//
// Crash safety: each record is one write(2) of one whole line. A kill -9
// or a full disk can still leave a torn last line (the kernel stops a
// large write at a page when a fatal signal is pending; a full disk
// accepts part of a write), so Open, like Prometheus's write-ahead log,
// keeps every valid line up to the first torn or corrupt one, truncates
// the rest, logs that it did, and writes a "repaired" notice record. A
// short write at run time is cut back at once. After a crash only whole
// lines remain; a reader never needs to skip garbage. The file is locked
// (flock) while open: a second writer is refused with ErrLocked rather
// than have the two cut each other's lines.
//
// Records go through a bounded in-memory backlog (package backlog) to one
// writer goroutine, so a slow or full disk never blocks the watch. When the
// backlog is full the final action applies, as an audit daemon's:
// purge-oldest (the default: keep the latest), ignore-new, or stop (refuse
// every record from then on; Write returns backlog.ErrStopped and the watch
// should exit). The journal logs when it first acts, at most every ten
// seconds while it keeps acting, and when the disk takes writes again; it
// then writes a notice record saying how many records are missing. A
// failing disk is tried again about every Config.Retry.
//
// Configuration starts from DefaultConfig; Validate names the field that
// cannot run. SIGHUP should call Reopen (logrotate's rename and create;
// copytruncate works too).
//
// Privileges: write access to the file and its directory. Write, Reopen,
// Sync, Stats and Close are safe for concurrent use.
package journal
