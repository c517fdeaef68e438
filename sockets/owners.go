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

	"golang.org/x/sys/unix"
)

// Owner is a process holding a socket open.
type Owner struct {
	PID     int    `json:"pid,omitempty"`
	Process string `json:"process,omitempty"`
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

// scanOwners reads every /proc/PID/fd under proc once and returns the
// owners of the socket inodes in want (every socket when want is nil).
// The processes are shared out among one worker per CPU.
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
	pids := names[:0]
	for _, n := range names {
		if n != "" && n[0] >= '0' && n[0] <= '9' {
			pids = append(pids, n)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(pids)/64))
	type part struct {
		found      map[uint32][]Owner
		unreadable int
	}
	parts := make([]part, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &parts[w]
			p.found = map[uint32][]Owner{}
			buf := make([]byte, 64)
			for i := w; i < len(pids); i += workers {
				if !scanProcess(proc, pids[i], want, p.found, buf) {
					p.unreadable++
				}
			}
		}()
	}
	wg.Wait()
	out := parts[0].found
	st := OwnerScan{Processes: len(pids), Unreadable: parts[0].unreadable}
	for _, p := range parts[1:] {
		st.Unreadable += p.unreadable
		for ino, ol := range p.found {
			out[ino] = append(out[ino], ol...)
		}
	}
	for _, ol := range out {
		if len(ol) > 1 {
			sort.Slice(ol, func(i, j int) bool { return ol[i].PID < ol[j].PID })
		}
	}
	return out, st, nil
}

// scanProcess adds the sockets of one process to found; it returns false
// when the process's descriptors could not be read (permission).
func scanProcess(proc, pid string, want map[uint32]struct{}, found map[uint32][]Owner, buf []byte) bool {
	fdDir := filepath.Join(proc, pid, "fd")
	dfd, err := unix.Open(fdDir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		// A process that exited meanwhile is not a failure.
		return !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EPERM)
	}
	f := os.NewFile(uintptr(dfd), fdDir)
	fds, _ := f.Readdirnames(-1)
	var owner *Owner
	for _, fd := range fds {
		n, err := unix.Readlinkat(dfd, fd, buf)
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
		if owner == nil {
			p, _ := strconv.Atoi(pid)
			owner = &Owner{PID: p, Process: readComm(proc, pid)}
		}
		if l := found[ino]; len(l) == 0 || l[len(l)-1].PID != owner.PID {
			found[ino] = append(l, *owner)
		}
	}
	f.Close()
	return true
}

func readComm(proc, pid string) string {
	b, err := os.ReadFile(filepath.Join(proc, pid, "comm"))
	if err != nil {
		return ""
	}
	return string(bytes.TrimRight(b, "\n"))
}
