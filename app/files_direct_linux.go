package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"unsafe"

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
	f    *os.File
	size int    // the most a write copies into buf
	buf  []byte // page-aligned, from mmap when first needed: Go's heap promises no alignment
}

// openDirect opens part's file a second time with O_DIRECT, if the file
// system allows it, copying at most size bytes a write; nil means buffered
// only. The second open must reach the same file: it is refused otherwise.
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
	return &directWriter{f: f, size: size}
}

func sameFile(a, b *os.File) bool {
	ai, err1 := a.Stat()
	bi, err2 := b.Stat()
	return err1 == nil && err2 == nil && os.SameFile(ai, bi)
}

// writeAt writes the pieces, one after the other, at off past the page
// cache in one write, and reports whether it did; false leaves the write
// to the caller's buffered file. Pieces that start on a page boundary (the
// engine's bulk buffers do) go to the disk from where they are; others are
// copied into an aligned buffer first. A file system that refuses an
// aligned direct write is not asked again.
func (d *directWriter) writeAt(off int64, pieces ...[]byte) (bool, error) {
	if d == nil || d.f == nil || off%directAlign != 0 {
		return false, nil
	}
	inPlace, n := true, 0
	for _, b := range pieces {
		if len(b)%directAlign != 0 {
			return false, nil
		}
		inPlace = inPlace && uintptr(unsafe.Pointer(unsafe.SliceData(b)))%directAlign == 0
		n += len(b)
	}
	var err error
	if inPlace {
		err = d.writev(pieces, off)
	} else {
		buf := d.buffer(n)
		if buf == nil {
			return false, nil
		}
		at := 0
		for _, b := range pieces {
			at += copy(buf[at:], b)
		}
		_, err = d.f.WriteAt(buf, off)
	}
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

// buffer returns n bytes of the aligned buffer, mapped on first use; nil
// when n is over its size or the memory cannot be had.
func (d *directWriter) buffer(n int) []byte {
	if n > d.size {
		return nil
	}
	if d.buf == nil {
		buf, err := unix.Mmap(-1, 0, d.size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
		if err != nil {
			return nil
		}
		d.buf = buf
	}
	return d.buf[:n]
}

// writev writes the pieces at off with one pwritev, or more when the
// kernel takes less than all of them.
func (d *directWriter) writev(pieces [][]byte, off int64) error {
	rc, err := d.f.SyscallConn()
	if err != nil {
		return err
	}
	pieces = slices.Clone(pieces)
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		for len(pieces) > 0 && werr == nil {
			n, err := unix.Pwritev(int(fd), pieces, off)
			switch {
			case errors.Is(err, unix.EINTR):
			case err != nil:
				werr = err
			case n == 0:
				werr = io.ErrShortWrite
			default:
				off += int64(n)
				pieces = skipWritten(pieces, n)
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	return werr
}

// skipWritten drops the first n bytes of pieces.
func skipWritten(pieces [][]byte, n int) [][]byte {
	for len(pieces) > 0 && n >= len(pieces[0]) {
		n -= len(pieces[0])
		pieces = pieces[1:]
	}
	if len(pieces) > 0 {
		pieces[0] = pieces[0][n:]
	}
	return pieces
}

// close releases the file and the buffer.
func (d *directWriter) close() {
	if d == nil {
		return
	}
	if d.f != nil {
		d.f.Close()
	}
	if d.buf != nil {
		_ = unix.Munmap(d.buf)
	}
}
