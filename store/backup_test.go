package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jarvis/crypto"
)

// backedUp is an account with one contact and some history, backed up.
type backedUp struct {
	src     *Store
	contact Contact
	file    string
	dir     string
}

func newBackedUp(t *testing.T, o BackupOptions) backedUp {
	t.Helper()
	s, path := newAccount(t)
	ctx := context.Background()
	c := putContact(t, s, "Ada Lovelace")
	if _, err := s.AddIncoming(ctx, messages(t, c.ID, 50, func(i int) string { return fmt.Sprint("analytical engine note ", i) })); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Instance(ctx); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	file := filepath.Join(t.TempDir(), "jarvis.backup")
	if err := s.BackupToFile(ctx, testPass, dir, file, o); err != nil {
		t.Fatalf("BackupToFile: %v", err)
	}
	return backedUp{src: s, contact: c, file: file, dir: dir}
}

// restoreTo restores b's file into a fresh database path.
func (b backedUp) restoreTo(t *testing.T, pass []byte) (string, uint8, error) {
	t.Helper()
	f, err := os.Open(b.file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	path := filepath.Join(t.TempDir(), "jarvis.db")
	flags, err := RestoreBackup(f, pass, path)
	return path, flags, err
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	for _, noHistory := range []bool{false, true} {
		t.Run(fmt.Sprint("noHistory=", noHistory), func(t *testing.T) {
			b := newBackedUp(t, BackupOptions{NoHistory: noHistory})
			ctx := context.Background()
			path, flags, err := b.restoreTo(t, testPass)
			if err != nil {
				t.Fatalf("RestoreBackup: %v", err)
			}
			if got := flags&crypto.BackupNoHistory != 0; got != noHistory {
				t.Fatalf("no-history flag = %v, want %v", got, noHistory)
			}
			r := openAt(t, path)
			if err := r.Unlock(ctx, testPass); err != nil {
				t.Fatalf("Unlock restored: %v", err)
			}
			c, err := r.Contact(ctx, b.contact.ID)
			if err != nil || c.Name != "Ada Lovelace" {
				t.Fatalf("restored contact = %+v, %v", c, err)
			}
			hist, err := r.History(ctx, ContactChat(b.contact.ID), 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			want := 50
			if noHistory {
				want = 0
			}
			if len(hist) != want {
				t.Fatalf("restored history holds %d messages, want %d", len(hist), want)
			}
			a, _ := b.src.Instance(ctx)
			if z, _ := r.Instance(ctx); z == a {
				t.Fatal("the restored copy kept the original's instance ID")
			}
			assertNoBackupLeftovers(t, b.dir)
		})
	}
}

func assertNoBackupLeftovers(t *testing.T, dir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, ".backup-*"))
	if len(left) != 0 {
		t.Fatalf("snapshot files left in the data directory: %v", left)
	}
}

func TestBackupHoldsNoPlaintext(t *testing.T) {
	b := newBackedUp(t, BackupOptions{})
	data, err := os.ReadFile(b.file)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Ada Lovelace", "analytical engine", "SQLite format", "198.51.100.7", b.contact.ID.String()} {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("the backup file contains %q in plaintext", s)
		}
	}
}

func TestRestoreRefusesBadInputAndWritesNothing(t *testing.T) {
	b := newBackedUp(t, BackupOptions{})
	good, err := os.ReadFile(b.file)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x10
	tests := []struct {
		name string
		data []byte
		pass []byte
		want error
	}{
		{"wrong passphrase", good, []byte("wrong horse"), crypto.ErrWrongPassphrase},
		{"truncated", good[:len(good)-100], testPass, crypto.ErrBackupCorrupt},
		{"bit flipped", flipped, testPass, crypto.ErrBackupCorrupt},
		{"newer version", func() []byte { d := bytes.Clone(good); d[8] = crypto.BackupVersion + 1; return d }(), testPass, crypto.ErrBackupTooNew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "jarvis.db")
			_, err := RestoreBackup(bytes.NewReader(tt.data), tt.pass, path)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Fatalf("a refused restore left %s behind", path)
			}
		})
	}
}

func TestBackupRefusesWrongPassphrase(t *testing.T) {
	s, path := newAccount(t)
	file := filepath.Join(t.TempDir(), "b")
	err := s.BackupToFile(context.Background(), []byte("wrong horse"), filepath.Dir(path), file, BackupOptions{})
	if !errors.Is(err, crypto.ErrWrongPassphrase) {
		t.Fatalf("err = %v, want ErrWrongPassphrase", err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatal("a refused backup left a file")
	}
}

// A disk that fills while the backup is written: the temporary file is a
// link to /dev/full, where every write fails with ENOSPC.
func TestBackupOnFullDiskLeavesNoFile(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	s, path := newAccount(t)
	c := putContact(t, s, "Ada")
	if _, err := s.AddIncoming(context.Background(), messages(t, c.ID, 200, func(i int) string { return strings.Repeat("x", 500) })); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "jarvis.backup")
	if err := os.Symlink("/dev/full", file+".tmp"); err != nil {
		t.Fatal(err)
	}
	err := s.BackupToFile(context.Background(), testPass, filepath.Dir(path), file, BackupOptions{})
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("err = %v, want ErrDiskFull", err)
	}
	for _, p := range []string{file, file + ".tmp"} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after a failed backup", filepath.Base(p))
		}
	}
	assertNoBackupLeftovers(t, filepath.Dir(path))
}

func TestBackupProgressReachesTotal(t *testing.T) {
	s, path := newAccount(t)
	var last, total int64
	o := BackupOptions{Progress: func(d, n int64) { last, total = d, n }}
	if err := s.BackupToFile(context.Background(), testPass, filepath.Dir(path), filepath.Join(t.TempDir(), "b"), o); err != nil {
		t.Fatal(err)
	}
	if total == 0 || last != total {
		t.Fatalf("progress ended at %d of %d", last, total)
	}
}

// After Wipe, the files the account had (kept here through hard links, as
// a thief's undelete would) no longer open with the passphrase.
func TestWipeLeavesNothingReadable(t *testing.T) {
	s, path := newAccount(t)
	ctx := context.Background()
	c := putContact(t, s, "Ada")
	if _, err := s.AddIncoming(ctx, messages(t, c.ID, 20, func(i int) string { return "kept secret" })); err != nil {
		t.Fatal(err)
	}
	_, wrapped, err := s.unwrap(ctx, testPass)
	if err != nil {
		t.Fatal(err)
	}
	keep := t.TempDir()
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		if err := os.Link(f, filepath.Join(keep, filepath.Base(f))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Wipe(ctx); err != nil {
		t.Fatalf("Wipe: %v", err)
	}
	kept, _ := filepath.Glob(filepath.Join(keep, "*"))
	for _, f := range kept {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, wrapped) {
			t.Fatalf("%s still holds the wrapped master key", filepath.Base(f))
		}
	}
	old := openAt(t, filepath.Join(keep, filepath.Base(path)))
	if err := old.Unlock(ctx, testPass); err == nil {
		t.Fatal("the wiped database still unlocks with the old passphrase")
	}
}

// A backup taken while another goroutine keeps writing is one consistent
// snapshot: it restores, passes SQLite's integrity check and holds a
// prefix of the writes, in full batches.
func TestBackupWhileWriting(t *testing.T) {
	s, path := newAccount(t)
	ctx := context.Background()
	c := putContact(t, s, "Ada")
	stop, done := make(chan struct{}), make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if _, err := s.AddIncoming(ctx, messages(t, c.ID, 10, func(j int) string { return fmt.Sprint(i, "/", j) })); err != nil {
				done <- err
				return
			}
		}
	}()
	file := filepath.Join(t.TempDir(), "b")
	err := s.BackupToFile(ctx, testPass, filepath.Dir(path), file, BackupOptions{})
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	restored := filepath.Join(t.TempDir(), "jarvis.db")
	if _, err := RestoreBackup(f, testPass, restored); err != nil {
		t.Fatal(err)
	}
	r := openAt(t, restored)
	var check string
	if err := r.r.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	var n int
	if err := r.r.QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&n); err != nil || n%10 != 0 {
		t.Fatalf("the snapshot holds %d messages (%v), not whole batches", n, err)
	}
}
