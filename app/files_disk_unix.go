//go:build !windows

package app

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// openPart opens a transfer's .part file for writing without following a
// symlink: create makes it fresh (failing if anything is there).
func openPart(path string, create bool) (*os.File, error) {
	flags := os.O_RDWR | syscall.O_NOFOLLOW
	if create {
		flags |= os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(f); err != nil {
		return nil, err
	}
	return f, nil
}

// freeSpace reports the bytes an unprivileged user may still write in dir.
func freeSpace(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("free space: %w", err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil //nolint:unconvert // field types differ by OS
}

// syncDir makes the names in dir durable: a rename or link is otherwise
// only in memory until the file system next commits.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
