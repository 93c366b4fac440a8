package app

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// directAlign is what O_DIRECT needs of offsets, lengths and buffers on
// any block device Linux has: 4 KiB (the page, and the largest logical
// block size in use).
const directAlign = 4096

// directWriter writes whole aligned chunks of a .part file with O_DIRECT,
// past the page cache. On virtual machines a buffered write pays for every
// new page-cache page (here about 1.7 s of kernel time per GiB, a third of
// the speed of the same write with O_DIRECT), and a big download would
// push everything else out of the cache. What is not aligned (the last
// chunk) and file systems without O_DIRECT (tmpfs, some FUSE) take the
// buffered path.
type directWriter struct {
	f   *os.File
	buf []byte // page-aligned, from mmap: Go's heap promises no alignment
}

// openDirect opens part's file a second time with O_DIRECT, if the file
// system allows it, with a buffer of size bytes; nil means buffered only.
// The second open must reach the same file: it is refused otherwise.
func openDirect(part *os.File, size int) *directWriter {
	if size%directAlign != 0 {
		return nil
	}
	f, err := os.OpenFile(part.Name(), os.O_WRONLY|unix.O_DIRECT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	if !sameFile(part, f) {
		f.Close()
		return nil
	}
	buf, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		f.Close()
		return nil
	}
	return &directWriter{f: f, buf: buf}
}

func sameFile(a, b *os.File) bool {
	ai, err1 := a.Stat()
	bi, err2 := b.Stat()
	return err1 == nil && err2 == nil && os.SameFile(ai, bi)
}

// writeAt writes the pieces, one after the other, at off past the page
// cache in one write, and reports whether it did; false leaves the write
// to the caller's buffered file. A file system that refuses an aligned
// direct write is not asked again.
func (d *directWriter) writeAt(off int64, pieces ...[]byte) (bool, error) {
	if d == nil || d.f == nil || off%directAlign != 0 {
		return false, nil
	}
	n := 0
	for _, b := range pieces {
		if len(b)%directAlign != 0 || n+len(b) > len(d.buf) {
			return false, nil
		}
		n += copy(d.buf[n:], b)
	}
	_, err := d.f.WriteAt(d.buf[:n], off)
	if errors.Is(err, unix.EINVAL) {
		d.f.Close()
		d.f = nil
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("write: %w", err)
	}
	return true, nil
}

// close releases the file and the buffer.
func (d *directWriter) close() {
	if d == nil {
		return
	}
	if d.f != nil {
		d.f.Close()
	}
	_ = unix.Munmap(d.buf)
}
