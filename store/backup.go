package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"jarvis/crypto"
)

// metaInstance names this copy of the account (instance.go). A snapshot
// drops it, so every restore starts as a new device.
const metaInstance = "instance"

// historyTables are what --no-history leaves out of a backup.
var historyTables = []string{"messages", "group_messages"}

// BackupOptions say what goes into a backup.
type BackupOptions struct {
	NoHistory bool
	// Progress, if set, is called as the sealed snapshot is written, with
	// the bytes done and the total; it must not block.
	Progress func(done, total int64)
}

// Backup writes an encrypted snapshot of the whole account to dst: a
// consistent copy of the database made with VACUUM INTO a temporary file in
// tmpDir (the data directory, which is private), then sealed under a key
// from the master key that pass unwraps (crypto/backup.go) and streamed, so
// history never sits in memory. The temporary file is removed whatever
// happens. It works while the account is in use: VACUUM INTO reads one
// snapshot and blocks no writer.
func (s *Store) Backup(ctx context.Context, pass []byte, tmpDir string, dst io.Writer, o BackupOptions) error {
	mk, wrapped, err := s.unwrap(ctx, pass)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer clear(mk[:])
	snap, err := s.snapshot(ctx, tmpDir, o.NoHistory)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer removeDB(snap)
	kdf, snapWrapped, err := readKeyMeta(ctx, snap)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if !bytes.Equal(snapWrapped, wrapped) {
		return fmt.Errorf("store: backup: %w", ErrConcurrentChange)
	}
	var flags uint8
	if o.NoHistory {
		flags |= crypto.BackupNoHistory
	}
	if err := sealFile(mk, kdf, wrapped, flags, snap, dst, o.Progress); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

// snapshot copies the database into a new file in dir and returns its
// path; the copy has no instance ID and, with noHistory, no messages.
func (s *Store) snapshot(ctx context.Context, dir string, noHistory bool) (string, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	path := filepath.Join(dir, ".backup-"+hex.EncodeToString(rnd[:])+".db")
	// VACUUM INTO takes an empty existing file; making it first gives it mode 0600.
	if err := createPrivateFile(path); err != nil {
		return "", err
	}
	if err := s.vacuumInto(ctx, path); err != nil {
		removeDB(path)
		return "", diskFull(fmt.Errorf("snapshot: %w", err))
	}
	if err := trimSnapshot(ctx, path, noHistory); err != nil {
		removeDB(path)
		return "", err
	}
	return path, nil
}

// vacuumInto copies the database to path on a reader connection, so that
// writers carry on meanwhile. VACUUM INTO counts as a write to query_only,
// so the connection is let out of it for the copy and discarded if it
// cannot be put back.
func (s *Store) vacuumInto(ctx context.Context, path string) (err error) {
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		return err
	}
	defer func() {
		if _, rerr := conn.ExecContext(context.Background(), `PRAGMA query_only = 1`); rerr != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
			if err == nil {
				err = rerr
			}
		}
	}()
	_, err = conn.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}

// trimSnapshot removes from the copy what a backup must not carry.
func trimSnapshot(ctx context.Context, path string, noHistory bool) error {
	db, err := openDB(ctx, path, roleWriter)
	if err != nil {
		return fmt.Errorf("open snapshot: %w", err)
	}
	defer db.Close()
	stmts := []string{`DELETE FROM meta WHERE key = '` + metaInstance + `'`}
	if noHistory {
		for _, t := range historyTables {
			stmts = append(stmts, `DELETE FROM `+t)
		}
		stmts = append(stmts, `VACUUM`)
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return diskFull(fmt.Errorf("trim snapshot: %w", err))
		}
	}
	// A plain rollback journal, so the copy is one file with nothing beside it.
	if _, err := db.ExecContext(ctx, `PRAGMA journal_mode = DELETE`); err != nil {
		return fmt.Errorf("trim snapshot: %w", err)
	}
	return nil
}

// readKeyMeta reads the KDF parameters and the wrapped master key of the
// database at path.
func readKeyMeta(ctx context.Context, path string) (crypto.KDFParams, []byte, error) {
	db, err := sql.Open(driverName, dsn(path, roleReader))
	if err != nil {
		return crypto.KDFParams{}, nil, err
	}
	defer db.Close()
	return keyMeta(ctx, db)
}

// keyMeta reads the KDF parameters and the wrapped master key from db.
func keyMeta(ctx context.Context, db *sql.DB) (crypto.KDFParams, []byte, error) {
	var kdfBytes, wrapped []byte
	err := db.QueryRowContext(ctx, `SELECT
		(SELECT value FROM meta WHERE key = ?),
		(SELECT value FROM meta WHERE key = ?)`, metaKDF, metaWrapped).Scan(&kdfBytes, &wrapped)
	if err != nil {
		return crypto.KDFParams{}, nil, fmt.Errorf("read key material: %w", err)
	}
	if kdfBytes == nil || wrapped == nil {
		return crypto.KDFParams{}, nil, ErrNoIdentity
	}
	kdf, err := crypto.UnmarshalKDFParams(kdfBytes)
	if err != nil {
		return crypto.KDFParams{}, nil, fmt.Errorf("kdf params: %w", err)
	}
	return kdf, wrapped, nil
}

// sealFile writes the backup header and the sealed contents of path to dst.
func sealFile(mk crypto.MasterKey, kdf crypto.KDFParams, wrapped []byte, flags uint8, path string, dst io.Writer, progress func(done, total int64)) error {
	h, err := crypto.NewBackupHeader(rand.Reader, kdf, wrapped, flags)
	if err != nil {
		return err
	}
	enc, err := h.MarshalBinary()
	if err != nil {
		return err
	}
	key, err := crypto.BackupStreamKey(mk, h)
	if err != nil {
		return err
	}
	defer clear(key[:])
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat snapshot: %w", err)
	}
	if _, err := dst.Write(enc); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	w, err := crypto.NewBackupWriter(key, dst)
	if err != nil {
		return err
	}
	var src io.Reader = f
	if progress != nil {
		src = &progressReader{r: f, total: fi.Size(), report: progress}
	}
	if _, err := io.Copy(w, src); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	return nil
}

// progressReader reports how much of a file has been read.
type progressReader struct {
	r      io.Reader
	done   int64
	total  int64
	report func(done, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if n > 0 {
		p.report(p.done, p.total)
	}
	return n, err
}

// removeDB removes a database file and any journal beside it.
func removeDB(path string) {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		_ = os.Remove(path + suffix)
	}
}

// RestoreBackup checks the backup read from src with pass and writes the
// database it holds to dbPath, which must not exist yet. It returns the
// header's flags. A wrong passphrase is crypto.ErrWrongPassphrase, a
// damaged or cut file crypto.ErrBackupCorrupt, a newer one
// crypto.ErrBackupTooNew; on any error dbPath is removed again, so nothing
// that looks restored is left.
func RestoreBackup(src io.Reader, pass []byte, dbPath string) (flags uint8, err error) {
	h, err := crypto.ReadBackupHeader(src)
	if err != nil {
		return 0, fmt.Errorf("store: restore: %w", err)
	}
	mk, key, err := crypto.OpenBackupKey(pass, h)
	if err != nil {
		return 0, fmt.Errorf("store: restore: %w", err)
	}
	clear(mk[:])
	defer clear(key[:])
	r, err := crypto.NewBackupReader(key, src)
	if err != nil {
		return 0, fmt.Errorf("store: restore: %w", err)
	}
	f, err := os.OpenFile(dbPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("store: restore: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(dbPath)
		}
	}()
	_, cerr := io.Copy(f, r)
	serr := f.Sync()
	if err := errors.Join(cerr, serr, f.Close()); err != nil {
		return 0, fmt.Errorf("store: restore: %w", err)
	}
	return h.Flags, nil
}
