package sockets

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Owner is a process holding a socket open.
type Owner struct {
	PID     int    `json:"pid,omitempty"`
	Process string `json:"process,omitempty"`
	// Exe is the process's executable (/proc/PID/exe) and ExeDeleted
	// tells that the file is gone from disk (the kernel marks the link
	// " (deleted)"): replaced by an upgrade, or a program that hides.
	Exe        string `json:"exe,omitempty"`
	ExeDeleted bool   `json:"exe_deleted,omitempty"`
}

// deletedMark is what the kernel appends to the path of an unlinked file.
const deletedMark = " (deleted)"

// ParseExeLink splits a /proc/PID/exe link target into the executable's
// path and whether the file was deleted.
func ParseExeLink(b []byte) (path string, deleted bool) {
	if rest, ok := bytes.CutSuffix(b, []byte(deletedMark)); ok {
		return string(rest), true
	}
	return string(b), false
}

// OwnerScan says how complete an owner scan was: without root the file
// descriptors of other users' processes cannot be read.
type OwnerScan struct {
	Processes  int `json:"processes"`
	Unreadable int `json:"unreadable_processes"`
	// Unowned counts sockets (with an inode) whose owner was not found:
	// held by a process that could not be read, or by the kernel.
	Unowned int `json:"unowned_sockets"`
}

// ParseSocketLink returns the inode of a /proc/PID/fd link target of the
// form "socket:[12345]".
func ParseSocketLink(b []byte) (uint32, bool) {
	rest, ok := bytes.CutPrefix(b, []byte("socket:["))
	if !ok || len(rest) < 2 || rest[len(rest)-1] != ']' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(rest[:len(rest)-1]), 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// FindOwners finds the processes holding the socket inodes (one scan of
// /proc/*/fd under proc, "" meaning /proc), for callers that gather
// sockets from several sources and want to pay for one scan. The scan
// counts the inodes it found no owner for.
func FindOwners(proc string, inodes map[uint32]struct{}) (map[uint32][]Owner, OwnerScan, error) {
	owners, st, err := scanOwners(procRoot(proc), inodes)
	if err != nil {
		return nil, st, err
	}
	for ino := range inodes {
		if len(owners[ino]) == 0 {
			st.Unowned++
		}
	}
	return owners, st, nil
}

// scanOwners reads every /proc/PID/fd under proc once and returns the
// owners of the socket inodes in want (every socket when want is nil).
// The work is shared out among one worker per CPU: first the processes'
// descriptor lists, then the descriptors themselves in chunks, so that one
// process holding tens of thousands of sockets is read in parallel too.
func scanOwners(proc string, want map[uint32]struct{}) (map[uint32][]Owner, OwnerScan, error) {
	d, err := os.Open(proc)
	if err != nil {
		return nil, OwnerScan{}, fmt.Errorf("sockets: owners: %w", err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, OwnerScan{}, fmt.Errorf("sockets: owners: read %s: %w", proc, err)
	}
	var procs []*fdDir
	for _, n := range names {
		if n != "" && n[0] >= '0' && n[0] <= '9' {
			procs = append(procs, &fdDir{pid: n, dfd: -1})
		}
	}
	workers := runtime.GOMAXPROCS(0)
	st := OwnerScan{Processes: len(procs)}

	// Phase 1: open each process's fd directory and list it.
	parallel(workers, len(procs), func(i int) { procs[i].open(proc) })
	defer func() {
		for _, p := range procs {
			if p.dfd >= 0 {
				unix.Close(p.dfd)
			}
		}
	}()
	type chunk struct {
		p        *fdDir
		from, to int
	}
	var chunks []chunk
	for _, p := range procs {
		if p.denied {
			st.Unreadable++
		}
		for from := 0; from < len(p.fds); from += fdChunk {
			chunks = append(chunks, chunk{p, from, min(from+fdChunk, len(p.fds))})
		}
	}
	// Phase 2: read the links, each chunk into its own result.
	found := make([][]uint32, len(chunks))
	parallel(workers, len(chunks), func(i int) {
		c := chunks[i]
		found[i] = c.p.sockets(c.from, c.to, want)
	})
	// Phase 3: merge, naming each owning process once.
	out := map[uint32][]Owner{}
	for i, f := range found {
		p := chunks[i].p
		for _, ino := range f {
			if p.owner == nil {
				p.owner = newOwner(proc, p)
			}
			if l := out[ino]; len(l) == 0 || l[len(l)-1].PID != p.owner.PID {
				out[ino] = append(l, *p.owner)
			}
		}
	}
	for _, ol := range out {
		if len(ol) > 1 {
			sort.Slice(ol, func(i, j int) bool { return ol[i].PID < ol[j].PID })
		}
	}
	return out, st, nil
}

// fdChunk is how many descriptors one worker reads at a time.
const fdChunk = 2048

// fdDir is one process's /proc/PID/fd.
type fdDir struct {
	pid    string
	dfd    int
	fds    []string
	denied bool
	owner  *Owner
}

func (p *fdDir) open(proc string) {
	path := filepath.Join(proc, p.pid, "fd")
	dfd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		// A process that exited meanwhile is not a failure.
		p.denied = errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM)
		return
	}
	// Read the names through a duplicate: closing the os.File closes it.
	dup, err := unix.Dup(dfd)
	if err != nil {
		unix.Close(dfd)
		return
	}
	f := os.NewFile(uintptr(dup), path)
	p.fds, _ = f.Readdirnames(-1)
	f.Close()
	p.dfd = dfd
}

// sockets returns the socket inodes (among want, or all) of fds[from:to].
func (p *fdDir) sockets(from, to int, want map[uint32]struct{}) []uint32 {
	var out []uint32
	buf := make([]byte, 64)
	for _, fd := range p.fds[from:to] {
		n, err := unix.Readlinkat(p.dfd, fd, buf)
		if err != nil || n < 9 || buf[0] != 's' {
			continue
		}
		ino, ok := ParseSocketLink(buf[:n])
		if !ok {
			continue
		}
		if want != nil {
			if _, ok := want[ino]; !ok {
				continue
			}
		}
		out = append(out, ino)
	}
	return out
}

// parallel calls fn(0) … fn(n-1) on up to workers goroutines.
func parallel(workers, n int, fn func(int)) {
	workers = min(workers, n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// newOwner names an owning process: its pid, comm and executable, with
// one readlink of /proc/PID/exe (through the open fd directory's parent).
func newOwner(proc string, p *fdDir) *Owner {
	pid, _ := strconv.Atoi(p.pid)
	o := &Owner{PID: pid, Process: readComm(proc, p.pid)}
	buf := make([]byte, unix.PathMax)
	if n, err := unix.Readlinkat(p.dfd, "../exe", buf); err == nil && n > 0 && n < len(buf) {
		o.Exe, o.ExeDeleted = ParseExeLink(buf[:n])
	}
	return o
}

func readComm(proc, pid string) string {
	b, err := os.ReadFile(filepath.Join(proc, pid, "comm"))
	if err != nil {
		return ""
	}
	return string(bytes.TrimRight(b, "\n"))
}
