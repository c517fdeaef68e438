package netlab

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// WireStats counts what a slow wire carried, each direction together.
type WireStats struct {
	Frames  uint64 // frames delivered after their delay
	Dropped uint64 // frames dropped because the queue was full
	Lost    uint64 // frames lost to the link's bursts
	// Late is the largest lateness seen: how long after its due time a
	// frame was written. It bounds the wire's own error.
	Late time.Duration
}

// queueLen is how many frames a direction holds: at 1 Gbit/s of full frames
// and 100 ms this would need ~8000; tests send far less.
const queueLen = 16384

// slowWire joins two TAP devices in a wire namespace and passes every frame
// from one to the other after a fixed delay, unless its bursts lose it.
type slowWire struct {
	delay  time.Duration
	only   func([]byte) bool // frames to delay; nil: all
	bursts BurstSchedule
	taps   [2]*os.File
	wg     sync.WaitGroup
	closed atomic.Bool

	frames, dropped, lost atomic.Uint64
	late                  atomic.Int64
}

type frame struct {
	due  time.Time
	data []byte
}

// newSlowWire opens TAP devices "tapa" and "tapb" inside node w and starts
// carrying frames between them; its bursts start then.
func newSlowWire(w *Node, delay time.Duration, only func([]byte) bool, bursts Bursts) (*slowWire, error) {
	sw := &slowWire{delay: delay, only: only}
	err := w.Do(func() error {
		for i, name := range []string{"tapa", "tapb"} {
			f, err := openTAP(name)
			if err != nil {
				return err
			}
			sw.taps[i] = f
		}
		return nil
	})
	if err != nil {
		sw.close()
		return nil, err
	}
	sw.bursts = BurstSchedule{Bursts: bursts, Start: time.Now()}
	sw.start(sw.taps[0], sw.taps[1])
	sw.start(sw.taps[1], sw.taps[0])
	return sw, nil
}

// openTAP creates a TAP device in the calling thread's namespace.
func openTAP(name string) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("netlab: open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlab: tap %s: %w", name, err)
	}
	ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlab: TUNSETIFF %s: %w", name, err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlab: tap %s: %w", name, err)
	}
	// Non-blocking, so reads park in the runtime's poller and Close
	// wakes them.
	return os.NewFile(uintptr(fd), "/dev/net/tun:"+name), nil
}

// start carries frames from src to dst: one goroutine reads and stamps,
// one (on its own thread, sleeping with nanosleep for sub-millisecond
// precision) writes each frame when it is due.
func (sw *slowWire) start(src, dst *os.File) {
	q := make(chan frame, queueLen)
	sw.wg.Add(2)
	go func() {
		defer sw.wg.Done()
		defer close(q)
		buf := make([]byte, 65536)
		for {
			n, err := src.Read(buf)
			if err != nil {
				return
			}
			if sw.bursts.Lost(time.Now()) && !neighbourFrame(buf[:n]) {
				sw.lost.Add(1)
				continue
			}
			if sw.only != nil && !sw.only(buf[:n]) {
				if _, err := dst.Write(buf[:n]); err == nil {
					sw.frames.Add(1)
				}
				continue
			}
			f := frame{due: time.Now().Add(sw.delay), data: append([]byte(nil), buf[:n]...)}
			select {
			case q <- f:
			default:
				sw.dropped.Add(1)
			}
		}
	}()
	go func() {
		defer sw.wg.Done()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for f := range q {
			if d := time.Until(f.due); d > 0 {
				ts := unix.NsecToTimespec(d.Nanoseconds())
				for {
					err := unix.Nanosleep(&ts, &ts)
					if !errors.Is(err, unix.EINTR) {
						break
					}
				}
			}
			if late := time.Since(f.due); late > time.Duration(sw.late.Load()) {
				sw.late.Store(int64(late))
			}
			if _, err := dst.Write(f.data); err != nil {
				if sw.closed.Load() {
					// Drain so the reader never blocks on a full queue.
					for range q {
					}
					return
				}
				continue
			}
			sw.frames.Add(1)
		}
	}()
}

func (sw *slowWire) stats() WireStats {
	return WireStats{Frames: sw.frames.Load(), Dropped: sw.dropped.Load(), Lost: sw.lost.Load(), Late: time.Duration(sw.late.Load())}
}

// close stops the wire and waits for its goroutines.
func (sw *slowWire) close() {
	sw.closed.Store(true)
	for _, f := range sw.taps {
		if f != nil {
			f.Close()
		}
	}
	sw.wg.Wait()
}
