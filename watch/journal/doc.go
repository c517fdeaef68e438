// Package journal keeps netdx watch's journal: one record.Record per line
// of JSON in a file, crash-safe, rotated by size.
//
// Crash safety: each record is one write(2) of one whole line. A kill -9
// or a full disk can still leave a torn last line (the kernel stops a
// large write at a page when a fatal signal is pending; a full disk
// accepts part of a write): Open cuts it, logs that it did, and writes a
// "repaired" notice record. A short write at run time is cut back at once.
//
// Repair deletes nothing readable. Unlike a write-ahead log that truncates
// after the first bad record, Open keeps every readable line: unreadable
// whole lines anywhere before the tail (a corrupt middle: not JSON, or
// longer than the bound) are set aside, their bytes as they were, in a new
// file next to the journal (Path.corrupt-YYYYMMDDTHHMMSSZ, -2, -3 … in the
// same second), and the journal is written again without them, its
// readable records in order and a "set_aside" notice (naming the file and
// each region: offset, length, line, reason, the times of the records
// around it) at the end, then renamed into place with the old file's mode
// and owner. The set-aside file is made durable first, so every byte is
// somewhere at every moment; if it cannot be written, Open fails and the
// journal stays as it was. After a repair only whole lines remain; a
// reader never needs to skip garbage. The file is locked (flock) while
// open, the repaired one before it is renamed into place: a second writer
// is refused with ErrLocked rather than have the two cut each other's
// lines.
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
