package journal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"syscall"
	"time"

	"netdx/watch/record"
)

// maxRegionsListed bounds the regions a set_aside notice lists (its count
// covers them all).
const maxRegionsListed = 64

// openFile opens Path and repairs it, returning the notice to write first
// when it cut a torn tail. Repair deletes nothing readable: a torn tail is
// cut; unreadable lines before it are set aside in a file of their own
// (createAside) and the journal is written again without them, its notices
// at the end, and put in place with one rename.
func (w *writer) openFile() (notice []byte, err error) {
	j := w.j
	f, err := j.fs.OpenAppend(j.cfg.Path)
	if errors.Is(err, ErrLocked) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", j.cfg.Path, err)
	}
	size, err := f.Size()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: %s: %w", j.cfg.Path, err)
	}
	l, err := readLayout(f, size, max(j.cfg.MaxRecord, 16<<20))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: read %s: %w", j.cfg.Path, err)
	}
	switch {
	case len(l.regions) > 0:
		f, size, err = w.replace(f, l)
	case !l.clean():
		notice, err = w.mend(f, l)
		size = l.cut + int64(len(newline(l)))
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	w.f, w.size, w.tornAt = f, size, -1
	return notice, nil
}

// replace closes f once setAside has put the repaired journal in its
// place, and returns the new file and its size; f, open, when it fails.
func (w *writer) replace(f file, l *layout) (file, int64, error) {
	nf, err := w.setAside(f, l)
	if err != nil {
		return f, 0, err
	}
	f.Close()
	size, err := nf.Size()
	if err != nil {
		return nf, 0, fmt.Errorf("journal: %s: %w", w.j.cfg.Path, err)
	}
	return nf, size, nil
}

// newline is what a repaired journal needs after its last record.
func newline(l *layout) []byte {
	if l.unterminated {
		return []byte{'\n'}
	}
	return nil
}

// mend repairs the end of f in place: the torn tail cut, or the newline a
// whole last record lacks written.
func (w *writer) mend(f file, l *layout) (notice []byte, err error) {
	j := w.j
	if l.cut < l.size {
		if err := f.Truncate(l.cut); err != nil {
			return nil, fmt.Errorf("journal: cut the tail of %s: %w", j.cfg.Path, err)
		}
		notice = w.tornNotice(l)
	}
	if l.unterminated {
		if _, err := f.Write(newline(l)); err != nil {
			return nil, fmt.Errorf("journal: end the last line of %s: %w", j.cfg.Path, err)
		}
		j.cfg.Logger.Info("journal: the last record lacked its newline; written", "file", j.cfg.Path)
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("journal: fsync %s: %w", j.cfg.Path, err)
	}
	return notice, nil
}

// tornNotice logs and counts the cut of l's torn tail, and returns its
// notice.
func (w *writer) tornNotice(l *layout) []byte {
	j := w.j
	cut := l.size - l.cut
	j.cfg.Logger.Warn("journal: torn tail cut", "file", j.cfg.Path, "offset", l.cut, "line", l.tailLine,
		"reason", l.tailReason, "cut_bytes", cut, "kept_lines", l.records)
	j.count(func(s *Stats) { s.Repairs++; s.CutBytes += uint64(cut) })
	msg := fmt.Sprintf("cut %d bytes from offset %d (line %d: %s); %d lines kept", cut, l.cut, l.tailLine, l.tailReason, l.records)
	return w.notice("repaired", msg, cut)
}

// setAside copies l's regions of f to a new file next to the journal,
// writes the rest of f (its readable records, not the torn tail) and the
// notices to Path.repair, and renames that over Path. It returns the new
// journal file, open and locked. f is left as it was when it fails.
func (w *writer) setAside(f file, l *layout) (nf file, err error) {
	j := w.j
	aside, err := w.writeAside(f, l)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			j.fs.Remove(aside)
		}
	}()
	tmp := j.cfg.Path + ".repair"
	if err := j.fs.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("journal: remove %s: %w", tmp, err)
	}
	nf, err = j.fs.OpenAppend(tmp)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := w.rewrite(f, nf, l, aside); err != nil {
		nf.Close()
		j.fs.Remove(tmp)
		return nil, err
	}
	if err := j.fs.Rename(tmp, j.cfg.Path); err != nil {
		nf.Close()
		j.fs.Remove(tmp)
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := j.fs.SyncDir(dirOf(j.cfg.Path)); err != nil {
		j.cfg.Logger.Warn("journal: fsync of the directory after the repair failed", "file", j.cfg.Path, "error", err)
	}
	return nf, nil
}

// rewrite writes f's kept bytes and the repair's notices to nf, with f's
// mode and owner, and fsyncs it.
func (w *writer) rewrite(f, nf file, l *layout, aside string) error {
	j := w.j
	for _, r := range l.kept() {
		if _, err := io.Copy(nf, io.NewSectionReader(f, r[0], r[1]-r[0])); err != nil {
			return fmt.Errorf("journal: rewrite %s: %w", j.cfg.Path, err)
		}
	}
	lines := [][]byte{newline(l)}
	if l.cut < l.size {
		lines = append(lines, w.tornNotice(l))
	}
	lines = append(lines, w.asideNotice(l, aside))
	for _, b := range lines {
		if _, err := nf.Write(b); err != nil {
			return fmt.Errorf("journal: rewrite %s: %w", j.cfg.Path, err)
		}
	}
	if err := sameOwner(f, nf); err != nil {
		j.cfg.Logger.Warn("journal: the repaired file keeps netdx's owner and mode", "file", j.cfg.Path, "error", err)
	}
	if err := nf.Sync(); err != nil {
		return fmt.Errorf("journal: fsync %s: %w", j.cfg.Path, err)
	}
	return nil
}

// asideNotice logs and counts the regions of l set aside in the file
// aside, and returns their notice.
func (w *writer) asideNotice(l *layout, aside string) []byte {
	j := w.j
	n, first := l.asideBytes(), l.regions[0]
	j.cfg.Logger.Warn("journal: unreadable lines set aside, every readable record kept", "file", j.cfg.Path,
		"aside", aside, "regions", len(l.regions), "bytes", n, "line", first.Line, "reason", first.Reason,
		"kept_lines", l.records)
	j.count(func(s *Stats) { s.SetAside += uint64(len(l.regions)); s.SetAsideBytes += uint64(n) })
	msg := fmt.Sprintf("set aside %d unreadable bytes (%s in %s, the first at line %d: %s) in %s; %s kept",
		n, plural(countLines(l.regions), "line"), plural(len(l.regions), "region"), first.Line, first.Reason, aside,
		plural(l.records, "readable line"))
	line, _ := record.Record{Time: time.Now(), Host: j.cfg.Host, Kind: record.KindNotice,
		Notice: &record.Notice{Source: "journal", Event: "set_aside", Message: msg, Count: n, File: filepath.Base(aside),
			Regions: l.regions[:min(len(l.regions), maxRegionsListed)]}}.Line()
	return line
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func countLines(rs []record.Region) int {
	n := 0
	for _, r := range rs {
		n += r.Lines
	}
	return n
}

// writeAside creates the file that keeps l's regions, their bytes one
// after the other as they were, and makes it durable. It returns its
// name.
func (w *writer) writeAside(f file, l *layout) (string, error) {
	j := w.j
	name, af, err := w.createAside()
	if err != nil {
		return "", err
	}
	err = func() error {
		for _, g := range l.regions {
			if _, err := io.Copy(af, io.NewSectionReader(f, g.Offset, g.Length)); err != nil {
				return err
			}
		}
		return af.Sync()
	}()
	if cerr := af.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = j.fs.SyncDir(dirOf(name))
	}
	if err != nil {
		j.fs.Remove(name)
		return "", fmt.Errorf("journal: set aside the unreadable lines of %s in %s: %w", j.cfg.Path, name, err)
	}
	return name, nil
}

// createAside creates a new set-aside file: Path.corrupt-TIME (UTC, to
// the second), then -2, -3 … when that exists.
func (w *writer) createAside() (string, file, error) {
	base := fmt.Sprintf("%s.corrupt-%s", w.j.cfg.Path, time.Now().UTC().Format("20060102T150405Z"))
	name := base
	for i := 2; ; i++ {
		af, err := w.j.fs.CreateNew(name)
		if err == nil {
			return name, af, nil
		}
		if !errors.Is(err, fs.ErrExist) || i > 100 {
			return "", nil, fmt.Errorf("journal: create %s: %w", name, err)
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}

// sameOwner gives to the permissions and owner of from.
func sameOwner(from, to file) error {
	was, err := from.Stat()
	if err != nil {
		return err
	}
	is, err := to.Stat()
	if err != nil {
		return err
	}
	if err := to.Chmod(was.Mode().Perm()); err != nil {
		return err
	}
	a, okA := was.Sys().(*syscall.Stat_t)
	b, okB := is.Sys().(*syscall.Stat_t)
	if okA && okB && (a.Uid != b.Uid || a.Gid != b.Gid) {
		return to.Chown(int(a.Uid), int(a.Gid))
	}
	return nil
}
