// Package namespace runs code inside a Linux network namespace, and
// finds a namespace by the name ip netns gives it (Path).
//
// Privileges: entering another namespace needs root or CAP_SYS_ADMIN.
// Do is safe for concurrent use.
package namespace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/vishvananda/netns"
)

// Dir is where ip netns keeps the namespaces it names.
const Dir = "/run/netns"

// Path is the file of the namespace v names: v itself when it is a path
// (it holds a "/"), else ip netns' namespace of that name; "" stays ""
// (the caller's namespace).
func Path(v string) string {
	if v == "" || strings.Contains(v, "/") {
		return v
	}
	return filepath.Join(Dir, v)
}

// Do runs fn on an OS thread that has entered the network namespace at path
// (a file such as /run/netns/NAME or /proc/PID/ns/net). With an empty path
// fn runs on a locked thread in the caller's namespace, so that
// /proc/thread-self names that thread either way. Sockets and netlink
// handles opened in fn belong to the namespace and may be used from any
// goroutine afterwards; goroutines started in fn do not inherit it.
func Do(path string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if path == "" {
			err := fn()
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("namespace: current network namespace: %w", err)
			return
		}
		defer orig.Close()
		target, err := netns.GetFromPath(path)
		if err != nil {
			errc <- fmt.Errorf("namespace: %s: %w", path, err)
			return
		}
		defer target.Close()
		if err := netns.Set(target); err != nil {
			if errors.Is(err, os.ErrPermission) {
				err = fmt.Errorf("%w (entering a namespace needs root or CAP_SYS_ADMIN)", err)
			}
			errc <- fmt.Errorf("namespace: enter %s: %w", path, err)
			return
		}
		ferr := fn()
		// Only a thread back in its own namespace may be reused; otherwise
		// it ends with this goroutine.
		if err := netns.Set(orig); err == nil {
			runtime.UnlockOSThread()
		}
		errc <- ferr
	}()
	return <-errc
}
