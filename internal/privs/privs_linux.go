package privs

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ErrCgo: the binary links cgo, so the runtime cannot change the
// credentials of all its threads.
var ErrCgo = errors.New("privs: a cgo build cannot drop capabilities on every thread (build with CGO_ENABLED=0)")

// Caps is a process's effective and permitted capability sets (bit n is
// capability n).
type Caps struct {
	Effective, Permitted uint64
}

// Current returns the calling thread's capabilities.
func Current() (Caps, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData // version 3: two 32-bit halves
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return Caps{}, fmt.Errorf("privs: capget: %w", err)
	}
	return Caps{
		Effective: uint64(data[1].Effective)<<32 | uint64(data[0].Effective),
		Permitted: uint64(data[1].Permitted)<<32 | uint64(data[0].Permitted),
	}, nil
}

// Drop clears the effective, permitted and inheritable capability sets of
// every thread of the process (and with them the ambient set). They cannot
// be regained. A process that holds none is left alone.
func Drop() error {
	c, err := Current()
	if err != nil {
		return err
	}
	if c == (Caps{}) {
		return nil
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	_, _, errno := syscall.AllThreadsSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0)
	runtime.KeepAlive(&hdr)
	runtime.KeepAlive(&data)
	switch errno {
	case 0:
		return nil
	case unix.ENOTSUP:
		return ErrCgo
	}
	return fmt.Errorf("privs: capset: %w", errno)
}

// Threads reads the capabilities of every thread of process pid from
// /proc/PID/task/*/status (CapEff, CapPrm), the way an administrator
// checks them; keyed by thread id.
func Threads(pid int) (map[int]Caps, error) {
	paths, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("privs: no threads of process %d", pid)
	}
	out := map[int]Caps{}
	for _, p := range paths {
		tid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil {
			continue
		}
		c, err := statusCaps(p)
		if errors.Is(err, os.ErrNotExist) {
			continue // the thread ended
		}
		if err != nil {
			return nil, err
		}
		out[tid] = c
	}
	return out, nil
}

func statusCaps(path string) (Caps, error) {
	f, err := os.Open(path)
	if err != nil {
		return Caps{}, err
	}
	defer f.Close()
	var c Caps
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		if k != "CapEff" && k != "CapPrm" {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		if err != nil {
			return Caps{}, fmt.Errorf("privs: %s: %s: %w", path, k, err)
		}
		if k == "CapEff" {
			c.Effective = n
		} else {
			c.Permitted = n
		}
	}
	return c, sc.Err()
}
