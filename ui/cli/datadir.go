package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// defaultDataDir is $XDG_DATA_HOME/jarvis, or ~/.local/share/jarvis.
func defaultDataDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "jarvis"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find home directory: %w; use --data DIR", err)
	}
	return filepath.Join(home, ".local", "share", "jarvis"), nil
}

// dataDir is an open, exclusively locked data directory.
type dataDir struct {
	path string
	lock *os.File
}

// openDataDir creates dir (0700) if needed, tightens its mode if another
// account on the machine could read it, and takes an exclusive lock so a
// second Jarvis on the same directory stops with a clear message.
func openDataDir(path string) (*dataDir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := os.Chmod(path, 0o700); err != nil {
		return nil, fmt.Errorf("protect data directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(path, "jarvis.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("another Jarvis is already running with %s; quit it first, or pick another directory with --data", path)
		}
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	return &dataDir{path: path, lock: f}, nil
}

func (d *dataDir) file(name string) string { return filepath.Join(d.path, name) }

// close releases the lock.
func (d *dataDir) close() error { return d.lock.Close() }
