package app

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing [off, off+n) of f to
// disk now, without waiting. A transfer otherwise leaves hundreds of
// megabytes dirty, and the store's next fsync (a chat message) would wait
// for the file system journal to flush them with it.
func startWriteback(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
