// Package store keeps Jarvis's identity, contacts, messages, outbox and settings
// in one SQLite file; every sensitive column is sealed under the master key.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"jarvis/crypto"
)

var (
	// ErrNotFound: the contact (or other row) asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrLocked: the call needs the master key and the store has not been unlocked.
	ErrLocked = errors.New("store: locked")
	// ErrNoIdentity: no identity has been created in this database yet.
	ErrNoIdentity = errors.New("store: no identity")
	// ErrIdentityExists: CreateIdentity on a database that already has one.
	ErrIdentityExists = errors.New("store: identity already exists")
	// ErrSchemaTooNew: the database was written by a newer Jarvis.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this program")
	// ErrInvalid: an argument the store refuses (bad state, ID not matching keys, bad limit).
	ErrInvalid = errors.New("store: invalid argument")
	// ErrConcurrentChange: the passphrase was changed by someone else meanwhile.
	ErrConcurrentChange = errors.New("store: passphrase changed concurrently")
	// ErrDiskFull: SQLite could not grow the database. Nothing of the failed
	// transaction was written; earlier data is intact.
	ErrDiskFull = errors.New("the disk is full; free some space and try again")
	// ErrDamaged: SQLite found the database file corrupt or not a database
	// at all (truncated, overwritten, bits flipped while Jarvis was
	// stopped). Open returns it as a *DamagedError naming the file.
	ErrDamaged = errors.New("the database file is damaged")
)

// DamagedError is ErrDamaged for one file, with SQLite's own words.
type DamagedError struct {
	Path  string
	Cause error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("%s: %s (%v); stop Jarvis and restore your latest backup (jarvis restore --force FILE)", ErrDamaged, e.Path, e.Cause)
}

// CheckIntegrity runs SQLite's integrity_check over the whole file: damage
// that no query has touched yet (a flipped bit in an index page) otherwise
// shows only as messages missing without a word; quick_check does not
// compare indexes with their tables, and the soak found exactly that. It
// reads every page, so callers run it in the background.
func (s *Store) CheckIntegrity(ctx context.Context) error {
	var res string
	if err := s.r.QueryRowContext(ctx, "PRAGMA integrity_check(1)").Scan(&res); err != nil {
		if d := damaged(s.path, err); d != err {
			return d
		}
		return fmt.Errorf("store: integrity check: %w", err)
	}
	if res != "ok" {
		return &DamagedError{Path: s.path, Cause: errors.New(res)}
	}
	return nil
}

func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }
func (e *DamagedError) Unwrap() error        { return e.Cause }

// damaged marks SQLite's corruption errors (SQLITE_CORRUPT, SQLITE_NOTADB),
// which both drivers report with SQLite's own message, as ErrDamaged.
func damaged(path string, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "database disk image is malformed") || strings.Contains(msg, "malformed database schema") ||
		strings.Contains(msg, "file is not a database") {
		return &DamagedError{Path: path, Cause: err}
	}
	return err
}

// MaxPage caps History and Outbox pages so a caller never loads a whole conversation.
const MaxPage = 1000

// sealPurpose separates the column-sealing key from other keys derived from the master key.
const sealPurpose = "columns"

const (
	busyTimeoutMillis = "5000"
	readPoolSize      = 4
)

type connRole int

const (
	roleWriter connRole = iota
	roleReader
)

// Store is the on-disk state of one Jarvis account. It is safe for concurrent use.
// Writes go through one connection (one writer, BEGIN IMMEDIATE); reads use a
// separate pool and see the last committed state (WAL).
type Store struct {
	w    *sql.DB // exactly one connection: all writes serialise here
	r    *sql.DB // query-only pool
	path string  // the database file, to name it in errors

	mu     sync.RWMutex
	sealer *crypto.Sealer // nil until CreateIdentity or Unlock
	rows   *rowMACer      // set together with sealer
}

// Open opens (creating if needed, mode 0600) the database at path and brings
// its schema up to date. The containing directory must exist; the caller makes it 0700.
func Open(path string) (*Store, error) {
	if err := createPrivateFile(path); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	ctx := context.Background()
	w, err := openDB(ctx, path, roleWriter)
	if err != nil {
		return nil, fmt.Errorf("store: open writer: %w", damaged(path, err))
	}
	if _, err := migrate(ctx, w, migrations()); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open: %w", damaged(path, err))
	}
	r, err := openDB(ctx, path, roleReader)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open readers: %w", err)
	}
	return &Store{w: w, r: r, path: path}, nil
}

// Close forgets the master key and closes the database. Closing the writer last
// lets SQLite checkpoint and remove the -wal file.
func (s *Store) Close() error {
	s.mu.Lock()
	s.sealer, s.rows = nil, nil
	s.mu.Unlock()
	rerr := s.r.Close()
	werr := s.w.Close()
	if err := errors.Join(rerr, werr); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

func openDB(ctx context.Context, path string, role connRole) (*sql.DB, error) {
	db, err := sql.Open(driverName, dsn(path, role))
	if err != nil {
		return nil, err
	}
	if role == roleWriter {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
	} else {
		db.SetMaxOpenConns(readPoolSize)
		db.SetMaxIdleConns(readPoolSize)
	}
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// createPrivateFile makes sure path exists with mode 0600 before SQLite opens
// it; SQLite gives the -wal and -shm files the same mode as the database.
func createPrivateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat database file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("database path is not a regular file")
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("restrict database file mode: %w", err)
		}
	}
	return nil
}

// fileURI turns a file system path into an SQLite URI filename, escaping the
// characters that URI parsing would otherwise treat specially.
func fileURI(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows drive letters: file:///C:/...
	}
	return "file://" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// writeTx runs fn in one write transaction (BEGIN IMMEDIATE via the DSN) and commits it.
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return diskFull(fmt.Errorf("begin: %w", err))
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return diskFull(err)
	}
	if err := tx.Commit(); err != nil {
		return diskFull(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// writeTxRelaxed is writeTx without waiting for the disk: for state that is
// safe to lose in a crash (a delivered mark, a read mark, activity times),
// because the peer resends and the next message corrects it. WAL keeps it
// atomic, and the next durable commit syncs it along with its own pages.
// Holding the single writer connection for the whole exchange keeps the
// relaxed setting from leaking into another caller's durable commit.
func (s *Store) writeTxRelaxed(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return diskFull(fmt.Errorf("writer: %w", err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		return fmt.Errorf("relax sync: %w", err)
	}
	defer func() {
		// Restore even if ctx was cancelled; a connection left relaxed is
		// discarded rather than returned to the pool.
		if _, rerr := conn.ExecContext(context.Background(), "PRAGMA synchronous = FULL"); rerr != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
			if err == nil {
				err = fmt.Errorf("restore sync: %w", rerr)
			}
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return diskFull(fmt.Errorf("begin: %w", err))
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return diskFull(err)
	}
	if err := tx.Commit(); err != nil {
		return diskFull(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// uncancelable detaches a batch write from cancellation: mattn/go-sqlite3
// starts a watcher goroutine for every statement run under a cancellable
// context, which costs more than the statement itself in a batch, and a
// short write is better finished than interrupted half way anyway.
func uncancelable(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// diskFull marks SQLITE_FULL so callers can tell a person what to do. Both
// drivers report it with SQLite's own message.
func diskFull(err error) error {
	if err != nil && strings.Contains(err.Error(), "database or disk is full") {
		return fmt.Errorf("%w (%v)", ErrDiskFull, err)
	}
	return err
}

func (s *Store) setKeys(sl *crypto.Sealer, rm *rowMACer) {
	s.mu.Lock()
	s.sealer, s.rows = sl, rm
	s.mu.Unlock()
}

// unlocked returns the column sealer, or ErrLocked before Unlock/CreateIdentity.
func (s *Store) unlocked() (*crypto.Sealer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sealer == nil {
		return nil, ErrLocked
	}
	return s.sealer, nil
}

// keys returns the column sealer and the row MACer, or ErrLocked.
func (s *Store) keys() (*crypto.Sealer, *rowMACer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sealer == nil || s.rows == nil {
		return nil, nil, ErrLocked
	}
	return s.sealer, s.rows, nil
}

// sealCol seals one column value, bound to its table, column and row.
func sealCol(sl *crypto.Sealer, table, column string, row, plain []byte) []byte {
	return sl.Seal(plain, crypto.ColumnAD(table, column, row))
}

// openCol opens a value sealed by sealCol. A value moved from another row or
// column fails here with crypto.ErrSealCorrupt instead of being returned.
func openCol(sl *crypto.Sealer, table, column string, row, sealed []byte) ([]byte, error) {
	p, err := sl.Open(sealed, crypto.ColumnAD(table, column, row))
	if err != nil {
		return nil, fmt.Errorf("sealed %s.%s: %w", table, column, err)
	}
	return p, nil
}

// messageRow is the AD row key of a message: contact ID || message ID, both fixed length.
func messageRow(contact crypto.ID, id crypto.MessageID) []byte {
	row := make([]byte, 0, crypto.IDSize+len(id))
	row = append(row, contact[:]...)
	return append(row, id[:]...)
}

func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
