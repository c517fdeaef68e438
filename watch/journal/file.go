package journal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// file is an open journal file: appended to, read back for recovery,
// truncated after a torn write. Tests inject files that fail.
type file interface {
	io.Writer
	io.ReaderAt
	Sync() error
	Truncate(size int64) error
	Size() (int64, error)
	Stat() (os.FileInfo, error)
	Chmod(mode os.FileMode) error
	Chown(uid, gid int) error
	Close() error
}

// fileSystem is what the journal does to directories.
type fileSystem interface {
	// OpenAppend opens (creating) path for appending and reading.
	OpenAppend(path string) (file, error)
	// CreateNew creates path for writing; an error wrapping fs.ErrExist
	// if it exists.
	CreateNew(path string) (file, error)
	Rename(from, to string) error
	Remove(path string) error
	// SyncDir makes renames and creations in dir durable.
	SyncDir(dir string) error
}

// osFS is the real file system.
type osFS struct{}

type osFile struct{ *os.File }

// ErrLocked is returned by Open when another process (or journal) writes
// the file: two writers would cut each other's lines on recovery.
var ErrLocked = errors.New("journal: the file is in use by another writer")

func (osFS) OpenAppend(path string) (file, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE|syscall.O_CLOEXEC, 0o640)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return osFile{f}, nil
}

func (osFS) CreateNew(path string) (file, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_CLOEXEC, 0o640)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (f osFile) Size() (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func (osFS) Rename(from, to string) error { return os.Rename(from, to) }
func (osFS) Remove(path string) error     { return os.Remove(path) }

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func dirOf(path string) string { return filepath.Dir(path) }

var errNotExist = os.ErrNotExist
