package netlab

import (
	"errors"
	"fmt"
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
	taps   [2]int // file descriptors, -1 when not open
	wg     sync.WaitGroup
	closed atomic.Bool

	frames, dropped, lost atomic.Uint64
	late                  atomic.Int64
}

type frame struct {
	due  time.Time
	data []byte
}

// pollEvery is how often a wire's reader looks whether the wire was
// closed while no frame came.
const pollEvery = 50 * time.Millisecond

// newSlowWire opens TAP devices "tapa" and "tapb" inside node w and starts
// carrying frames between them; its bursts start then.
func newSlowWire(w *Node, delay time.Duration, only func([]byte) bool, bursts Bursts) (*slowWire, error) {
	sw := &slowWire{delay: delay, only: only, taps: [2]int{-1, -1}}
	err := w.Do(func() error {
		for i, name := range []string{"tapa", "tapb"} {
			fd, err := openTAP(name)
			if err != nil {
				return err
			}
			sw.taps[i] = fd
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

// openTAP creates a TAP device in the calling thread's namespace and
// returns its non-blocking descriptor.
func openTAP(name string) (int, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return -1, fmt.Errorf("netlab: open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("netlab: tap %s: %w", name, err)
	}
	ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("netlab: TUNSETIFF %s: %w", name, err)
	}
	return fd, nil
}

// realtime gives the calling thread real-time priority when the system
// allows it (SCHED_FIFO; root may). A wire's threads sleep nearly all the
// time; at normal priority, on a machine busy with other work, they woke
// up to 86 ms late, and a path asked for 80 ms measured 93 ms on average.
// The caller must have locked its goroutine to the thread and must never
// unlock it: the thread then ends with the goroutine, its priority with
// it, instead of going back to run other goroutines.
func realtime() {
	_ = unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: 1}, 0)
}

// start carries frames from src to dst: one thread reads and stamps, one
// (sleeping with nanosleep for sub-millisecond precision) writes each frame
// when it is due. Both run at real-time priority (see realtime) and stop
// once the wire is closed.
func (sw *slowWire) start(src, dst int) {
	q := make(chan frame, queueLen)
	sw.wg.Add(2)
	go func() {
		defer sw.wg.Done()
		defer close(q)
		runtime.LockOSThread()
		realtime()
		buf := make([]byte, 65536)
		for !sw.closed.Load() {
			n, err := readFrame(src, buf)
			if err != nil {
				return
			}
			if n == 0 {
				continue
			}
			if sw.bursts.Lost(time.Now()) && !neighbourFrame(buf[:n]) {
				sw.lost.Add(1)
				continue
			}
			if sw.only != nil && !sw.only(buf[:n]) {
				if _, err := unix.Write(dst, buf[:n]); err == nil {
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
		realtime()
		for f := range q {
			if d := time.Until(f.due); d > 0 && !sw.closed.Load() {
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
			if _, err := unix.Write(dst, f.data); err == nil {
				sw.frames.Add(1)
			}
		}
	}()
}

// readFrame waits up to pollEvery for a frame on the non-blocking fd and
// reads it; it returns 0 bytes when none came, and an error once the
// device is gone (a real-time thread must not spin on it).
func readFrame(fd int, buf []byte) (int, error) {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	ready, err := unix.Poll(pfd, int(pollEvery/time.Millisecond))
	switch {
	case errors.Is(err, unix.EINTR):
		return 0, nil
	case err != nil:
		return 0, err
	case ready == 0:
		return 0, nil
	case pfd[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0:
		return 0, fmt.Errorf("netlab: wire device gone (poll events %#x)", pfd[0].Revents)
	}
	n, err := unix.Read(fd, buf)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
		return 0, nil
	}
	return n, err
}

func (sw *slowWire) stats() WireStats {
	return WireStats{Frames: sw.frames.Load(), Dropped: sw.dropped.Load(), Lost: sw.lost.Load(), Late: time.Duration(sw.late.Load())}
}

// close stops the wire, waits for its threads, then closes the devices.
func (sw *slowWire) close() {
	sw.closed.Store(true)
	sw.wg.Wait()
	for i, fd := range sw.taps {
		if fd >= 0 {
			unix.Close(fd)
			sw.taps[i] = -1
		}
	}
}
