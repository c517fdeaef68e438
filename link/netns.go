package link

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/vishvananda/netns"
)

// inNetNS runs fn on an OS thread that has entered the network namespace
// at path; an empty path runs fn on a locked thread where it is (so that
// /proc/thread-self names that thread). Sockets opened in fn stay in the
// namespace.
func inNetNS(path string, fn func() error) error {
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
			errc <- fmt.Errorf("link: current network namespace: %w", err)
			return
		}
		defer orig.Close()
		target, err := netns.GetFromPath(path)
		if err != nil {
			errc <- fmt.Errorf("link: network namespace %s: %w", path, err)
			return
		}
		defer target.Close()
		if err := netns.Set(target); err != nil {
			if errors.Is(err, os.ErrPermission) {
				err = fmt.Errorf("%w (entering a namespace needs root or CAP_SYS_ADMIN)", err)
			}
			errc <- fmt.Errorf("link: enter %s: %w", path, err)
			return
		}
		ferr := fn()
		// Only a thread back in its own namespace may be reused.
		if err := netns.Set(orig); err == nil {
			runtime.UnlockOSThread()
		}
		errc <- ferr
	}()
	return <-errc
}
