//go:build soak

package e2e

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// This kernel has no netem qdisc (and no modules to load one), so the bad
// network is made here: each node gets a network namespace of its own with
// a TUN device in it, and a forwarder in the test process carries the real
// IP packets between the two devices, losing, delaying, reordering and
// corrupting them as netem would. The TCP stacks on both ends are the
// kernel's own.

// relImpair is what the link does to each packet, each way.
type relImpair struct {
	loss    float64       // dropped
	delay   time.Duration // held this long …
	jitter  time.Duration // … ± up to this (uniform, as netem without a distribution)
	reorder float64       // sent at once, overtaking the held ones (netem's reorder)
	corrupt float64       // one random bit flipped
}

// relLinkStats counts what the forwarder did, both ways together.
type relLinkStats struct {
	packets, lost, reordered, corrupted, cut atomic.Int64
}

// relBadLink joins two namespaces through their TUN devices.
type relBadLink struct {
	t      *testing.T
	ns     [2]string
	addr   [2]string // each node's address, no port
	tun    [2]*os.File
	impair relImpair
	down   atomic.Bool // partition: every packet dropped
	stats  relLinkStats
	stop   chan struct{}
	wg     sync.WaitGroup
}

func newRelBadLink(t *testing.T, im relImpair) *relBadLink {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("the bad network needs network namespaces and TUN devices: run as root (CI does)")
	}
	removeOrphanNetns()
	l := &relBadLink{t: t, impair: im, stop: make(chan struct{})}
	prefix := fmt.Sprintf("jv%dsk", os.Getpid())
	for i := range 2 {
		l.ns[i] = fmt.Sprintf("%s%d", prefix, i)
		l.addr[i] = fmt.Sprintf("10.232.0.%d", i+1)
		relIP(t, "netns", "add", l.ns[i])
		ns := l.ns[i]
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
		l.tun[i] = relOpenTUN(t, l.ns[i])
		relIP(t, "-n", l.ns[i], "link", "set", "lo", "up")
		relIP(t, "-n", l.ns[i], "addr", "add", l.addr[i]+"/24", "dev", "soak0")
		relIP(t, "-n", l.ns[i], "link", "set", "soak0", "up")
	}
	for i := range 2 {
		l.wg.Add(1)
		go l.forward(l.tun[i], l.tun[1-i])
	}
	t.Cleanup(l.close)
	return l
}

func (l *relBadLink) close() {
	select {
	case <-l.stop:
		return
	default:
	}
	close(l.stop)
	for _, f := range l.tun {
		f.Close() // ends the blocked reads
	}
	l.wg.Wait()
}

func relIP(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %v: %v\n%s", args, err, out)
	}
}

// relOpenTUN makes TUN device soak0 inside namespace ns: the device is
// created in the namespace of the thread that asks, so a thread locked to
// this goroutine enters ns, asks and dies with the goroutine.
func relOpenTUN(t *testing.T, ns string) *os.File {
	t.Helper()
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		nsf, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer nsf.Close()
		if err := unix.Setns(int(nsf.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{err: fmt.Errorf("setns: %w", err)}
			return
		}
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- result{err: fmt.Errorf("open /dev/net/tun: %w", err)}
			return
		}
		var req [unix.IFNAMSIZ + 64]byte
		copy(req[:], "soak0")
		*(*uint16)(unsafe.Pointer(&req[unix.IFNAMSIZ])) = unix.IFF_TUN | unix.IFF_NO_PI
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNSETIFF, uintptr(unsafe.Pointer(&req[0]))); e != 0 {
			unix.Close(fd)
			ch <- result{err: fmt.Errorf("TUNSETIFF: %w", e)}
			return
		}
		ch <- result{f: os.NewFile(uintptr(fd), "tun-"+ns)}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatalf("TUN device in %s: %v", ns, r.err)
	}
	return r.f
}

// relHeld is a packet waiting in the delay line.
type relHeld struct {
	due time.Time
	pkt []byte
}

type relDelayLine []relHeld

func (h relDelayLine) Len() int           { return len(h) }
func (h relDelayLine) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h relDelayLine) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *relDelayLine) Push(x any)        { *h = append(*h, x.(relHeld)) }
func (h *relDelayLine) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// forward carries packets from one device to the other through the
// impairments: a reader goroutine hands them to a delay line that writes
// each out when it is due.
func (l *relBadLink) forward(from, to *os.File) {
	defer l.wg.Done()
	in := make(chan []byte, 4096)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer close(in)
		for {
			buf := make([]byte, 65536)
			n, err := from.Read(buf)
			if err != nil {
				return
			}
			select {
			case in <- buf[:n]:
			case <-l.stop:
				return
			}
		}
	}()
	var line relDelayLine
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if len(line) > 0 {
			timer.Reset(time.Until(line[0].due))
		}
		select {
		case <-l.stop:
			return
		case pkt, ok := <-in:
			if !ok {
				return
			}
			if due, keep := l.judge(pkt); keep {
				heap.Push(&line, relHeld{due, pkt})
			}
		case <-timer.C:
		}
		for len(line) > 0 && !line[0].due.After(time.Now()) {
			h := heap.Pop(&line).(relHeld)
			to.Write(h.pkt)
		}
	}
}

// judge applies the impairments to one packet: whether it goes on, and when.
func (l *relBadLink) judge(pkt []byte) (time.Time, bool) {
	l.stats.packets.Add(1)
	im := l.impair
	switch {
	case l.down.Load():
		l.stats.cut.Add(1)
		return time.Time{}, false
	case rand.Float64() < im.loss:
		l.stats.lost.Add(1)
		return time.Time{}, false
	}
	if rand.Float64() < im.corrupt {
		l.stats.corrupted.Add(1)
		bit := rand.IntN(len(pkt) * 8)
		pkt[bit/8] ^= 1 << (bit % 8)
	}
	if rand.Float64() < im.reorder {
		l.stats.reordered.Add(1)
		return time.Now(), true
	}
	d := im.delay
	if im.jitter > 0 {
		d += time.Duration(rand.Int64N(int64(2*im.jitter))) - im.jitter
	}
	return time.Now().Add(d), true
}

// wrap is a program that runs a binary inside node i's namespace.
func (l *relBadLink) wrap(i int) string {
	l.t.Helper()
	path := fmt.Sprintf("%s/in-%s", l.t.TempDir(), l.ns[i])
	script := fmt.Sprintf("#!/bin/sh\nexec ip netns exec %s \"$@\"\n", l.ns[i])
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		l.t.Fatal(err)
	}
	return path
}
