//go:build windows

package app

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// openPart opens a transfer's .part file for writing. Windows has no
// O_NOFOLLOW: a symlink is refused by looking first (creating one needs
// privileges ordinary users lack).
func openPart(path string, create bool) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s is a symlink", path)
	}
	flags := os.O_RDWR
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

// freeSpace reports the bytes the user may still write in dir.
func freeSpace(dir string) (int64, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, fmt.Errorf("free space: %w", err)
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return 0, fmt.Errorf("free space: %w", err)
	}
	return int64(avail), nil
}

// syncDir does nothing on Windows: a directory cannot be flushed through
// an ordinary handle, and NTFS journals its names itself.
func syncDir(string) error { return nil }
