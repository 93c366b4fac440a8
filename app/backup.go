package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"jarvis/crypto"
	"jarvis/store"
)

// Errors a frontend can tell apart when a backup is refused.
var (
	ErrNotBackup     = crypto.ErrNotBackup
	ErrBackupTooNew  = crypto.ErrBackupTooNew
	ErrBackupCorrupt = crypto.ErrBackupCorrupt
	ErrDiskFull      = store.ErrDiskFull
	// ErrNotEmpty: Restore was pointed at a directory that already holds something.
	ErrNotEmpty = errors.New("the data directory is not empty")
)

// DatabaseFile is the name of the account database inside a data directory.
const DatabaseFile = "jarvis.db"

// BackupOptions say what a backup holds and how it reports progress.
type BackupOptions struct {
	// NoHistory leaves messages out: identity, contacts and groups only.
	NoHistory bool
	// Progress, if set, is called with bytes done and total while the
	// backup is written; it runs on the caller's goroutine and must not block.
	Progress func(done, total int64)
}

// Backup writes an encrypted backup of the account to the file at path,
// sealed under the account's passphrase, which pass must be (a wrong one is
// ErrWrongPassphrase and writes nothing). It works while the core runs:
// the store copies a consistent snapshot first. The file appears only when
// complete.
func (a *Account) Backup(ctx context.Context, pass []byte, path string, o BackupOptions) error {
	err := a.store.BackupToFile(ctx, pass, filepath.Dir(a.path), path, store.BackupOptions{NoHistory: o.NoHistory, Progress: o.Progress})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Name returns the account's own display name; the account must be unlocked.
func (a *Account) Name(ctx context.Context) (string, error) {
	_, name, err := a.store.Identity(ctx)
	return name, err
}

// Wipe destroys the account: the key wrapping is overwritten and the
// database files are deleted, so nothing left on the disk opens with the
// old passphrase. The account is closed afterwards; close the Core first.
// Other files in the data directory (log, lock, tor state) are the
// frontend's to remove.
func (a *Account) Wipe(ctx context.Context) error {
	if err := a.store.Wipe(ctx); err != nil {
		return fmt.Errorf("wipe: %w", err)
	}
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if err := os.Remove(a.path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("wipe: %w", err)
		}
	}
	return nil
}

// Restore checks the backup in file with pass and makes dir a data
// directory holding it. dir must not exist or be empty once makeRoom (if
// not nil) has run; makeRoom runs only after the backup has been opened
// and checked, so a refused backup changes nothing. The database is
// written into a new directory beside dir and renamed into place only once
// complete, so an interrupted restore leaves nothing that looks restored.
// The restored copy is a new device (PROTOCOL.md, "Two devices"). It
// returns whether the backup was made without history.
func Restore(ctx context.Context, file string, pass []byte, dir string, makeRoom func() error) (noHistory bool, err error) {
	if makeRoom == nil {
		// Fail before the slow part when nothing could change the answer.
		if err := requireEmpty(dir); err != nil {
			return false, err
		}
	}
	src, err := os.Open(file)
	if err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	defer src.Close()
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	tmp := filepath.Clean(dir) + ".restore-" + hex.EncodeToString(rnd[:])
	// On a new device even the parent (~/.local/share) may not exist yet.
	if err := os.MkdirAll(filepath.Dir(tmp), 0o700); err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	flags, err := store.RestoreBackup(src, pass, filepath.Join(tmp, DatabaseFile))
	if err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	if err := checkRestored(ctx, filepath.Join(tmp, DatabaseFile)); err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	if makeRoom != nil {
		if err := makeRoom(); err != nil {
			return false, err
		}
	}
	if err := requireEmpty(dir); err != nil {
		return false, err
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	return flags&crypto.BackupNoHistory != 0, syncParent(dir)
}

// checkRestored opens the restored database, which brings a backup from
// an older Jarvis up to this schema, and makes sure it holds an identity.
func checkRestored(ctx context.Context, path string) error {
	st, err := store.Open(path)
	if err != nil {
		return err
	}
	ok, err := st.HasIdentity(ctx)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err == nil && !ok {
		err = fmt.Errorf("%w: it holds no identity", ErrBackupCorrupt)
	}
	return err
}

// requireEmpty refuses a dir that exists and holds anything.
func requireEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("restore: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("restore into %s: %w", dir, ErrNotEmpty)
	}
	return nil
}

// syncParent makes a rename of path durable.
func syncParent(path string) error {
	d, err := os.Open(filepath.Dir(filepath.Clean(path)))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("restore: sync directory: %w", err)
	}
	return nil
}
