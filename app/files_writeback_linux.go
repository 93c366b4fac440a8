package app

import (
	"os"

	"golang.org/x/sys/unix"
)

// writebackQueue is how many ranges may wait for the flusher. Past it a
// hint is dropped: the kernel's own writeback and the final sync cover
// the range, and the manager never waits for the disk.
const writebackQueue = 8

// writeback asks the kernel to start writing received data to disk as it
// arrives, from a goroutine of its own: a transfer otherwise leaves
// hundreds of megabytes dirty, and the store's next fsync (a chat message)
// would wait for the file system journal to flush them with it. Off the
// manager's goroutine because sync_file_range blocks while the device's
// queue is full, which would cap a transfer at disk speed.
type writeback struct {
	ranges chan writebackRange
	done   chan struct{}
}

// writebackRange is a range to start writing, on a duplicate of the
// transfer's descriptor that the flusher owns and closes: the transfer's
// file may be closed while its hint still waits, and a number the kernel
// handed out again must never be synced by mistake.
type writebackRange struct {
	fd     int
	off, n int64
}

// newWriteback starts the flusher; the file manager stops it on shutdown.
func newWriteback() *writeback {
	w := &writeback{ranges: make(chan writebackRange, writebackQueue), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *writeback) run() {
	defer close(w.done)
	for r := range w.ranges {
		_ = unix.SyncFileRange(r.fd, r.off, r.n, unix.SYNC_FILE_RANGE_WRITE)
		unix.Close(r.fd)
	}
}

// hint queues [off, off+n) of f to be written, or drops it when the
// flusher is behind. Only the manager's goroutine calls it.
func (w *writeback) hint(f *os.File, off, n int64) {
	// Close-on-exec, so a child process (tor) never inherits it.
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return
	}
	select {
	case w.ranges <- writebackRange{fd: fd, off: off, n: n}:
	default:
		unix.Close(fd)
	}
}

// stop finishes the queued hints and waits for the flusher to end.
func (w *writeback) stop() {
	close(w.ranges)
	<-w.done
}
