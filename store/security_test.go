package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jarvis/crypto"
)

func TestDatabaseFilesAreOwnerOnly(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	c := putContact(t, s, "a")
	if err := s.AddOutgoing(ctx, messages(t, c.ID, 10, func(int) string { return "x" })); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		seen++
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), perm)
		}
	}
	if seen < 2 {
		t.Fatalf("expected the database and its WAL on disk, found %d files", seen)
	}
}

func TestOpenTightensAnExistingLooseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jarvis.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // umask may have narrowed it
		t.Fatal(err)
	}
	openAt(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("mode %o, want 600", perm)
	}
}

// TestNoPlaintextOnDisk writes known secrets, then reads every file in the data
// directory as bytes, while open and after Close.
func TestNoPlaintextOnDisk(t *testing.T) {
	const (
		secretText = "the-eagle-lands-at-midnight-7f3a"
		secretName = "Zebediah Quuxworth"
		secretOwn  = "Ophelia Snodgrass"
		secretAddr = "203.0.113.99:47123"
	)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "jarvis.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	me := newIdentity(t)
	if err := s.CreateIdentity(ctx, testPass, testKDF(t), me, secretOwn); err != nil {
		t.Fatal(err)
	}
	c := newContact(t, secretName, time.Now())
	c.Addrs = []string{secretAddr}
	if err := s.PutContact(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.AddOutgoing(ctx, messages(t, c.ID, 1, func(int) string { return secretText })); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddIncoming(ctx, messages(t, c.ID, 1, func(int) string { return secretText + "-reply" })); err != nil {
		t.Fatal(err)
	}
	priv, _ := me.MarshalBinary()
	secrets := map[string][]byte{
		"message text": []byte(secretText), "contact name": []byte(secretName), "own name": []byte(secretOwn),
		"address":     []byte(secretAddr),
		"private key": priv[:32],
	}
	grep := func(when string) {
		t.Helper()
		all := readDir(t, dir)
		// The contact ID is stored in plaintext: finding it proves we are reading the real data.
		if !bytes.Contains(all, []byte(c.ID.String())) {
			t.Fatalf("%s: the contact ID is not on disk either; the grep reads the wrong files", when)
		}
		for what, secret := range secrets {
			if bytes.Contains(all, secret) {
				t.Errorf("%s: %s found in plaintext on disk", when, what)
			}
		}
	}
	grep("while open")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	grep("after close")
}

func readDir(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		all = append(all, b...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestSwappedCiphertextsAreDetected moves sealed values between rows and
// columns with raw SQL: reads must fail, never return the other value.
func TestSwappedCiphertextsAreDetected(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		swap func(t *testing.T, s *Store, a, b Contact)
		read func(s *Store, a, b Contact) error
	}{
		{
			name: "message text between two messages",
			swap: func(t *testing.T, s *Store, a, b Contact) {
				swapSQL(t, s, `SELECT text FROM messages WHERE seq = ?`, `UPDATE messages SET text = ? WHERE seq = ?`, int64(1), int64(2))
			},
			read: func(s *Store, a, b Contact) error { _, err := s.History(ctx, ContactChat(a.ID), 0, 10); return err },
		},
		{
			name: "message text between two contacts",
			swap: func(t *testing.T, s *Store, a, b Contact) {
				swapSQL(t, s, `SELECT text FROM messages WHERE seq = ?`, `UPDATE messages SET text = ? WHERE seq = ?`, int64(1), int64(3))
			},
			read: func(s *Store, a, b Contact) error { _, err := s.History(ctx, ContactChat(b.ID), 0, 10); return err },
		},
		{
			name: "contact name between two contacts",
			swap: func(t *testing.T, s *Store, a, b Contact) {
				swapSQL(t, s, `SELECT name FROM contacts WHERE id = ?`, `UPDATE contacts SET name = ? WHERE id = ?`, a.ID.String(), b.ID.String())
			},
			read: func(s *Store, a, b Contact) error { _, err := s.Contact(ctx, a.ID); return err },
		},
		{
			name: "contact name into the addrs column",
			swap: func(t *testing.T, s *Store, a, b Contact) {
				exec(t, s, `UPDATE contacts SET addrs = name WHERE id = ?`, a.ID.String())
			},
			read: func(s *Store, a, b Contact) error { _, err := s.Contacts(ctx); return err },
		},
		{
			name: "own name into the private key column",
			swap: func(t *testing.T, s *Store, a, b Contact) { exec(t, s, `UPDATE identity SET private = name`) },
			read: func(s *Store, a, b Contact) error { _, _, err := s.Identity(ctx); return err },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newAccount(t)
			a := putContact(t, s, "secret-name-a")
			b := putContact(t, s, "secret-name-b")
			if _, err := s.AddIncoming(ctx, messages(t, a.ID, 2, func(i int) string { return "secret-text-" + string(rune('0'+i)) })); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddIncoming(ctx, messages(t, b.ID, 1, func(int) string { return "secret-text-b" })); err != nil {
				t.Fatal(err)
			}
			if err := tt.read(s, a, b); err != nil {
				t.Fatalf("read before tampering: %v", err)
			}
			tt.swap(t, s, a, b)
			err := tt.read(s, a, b)
			if !errors.Is(err, crypto.ErrSealCorrupt) {
				t.Fatalf("read after swap: %v, want crypto.ErrSealCorrupt", err)
			}
			if strings.Contains(err.Error(), "secret-") {
				t.Fatalf("error leaks plaintext: %v", err)
			}
		})
	}
}

func exec(t *testing.T, s *Store, q string, args ...any) {
	t.Helper()
	if _, err := s.w.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

func swapSQL(t *testing.T, s *Store, get, set string, k1, k2 any) {
	t.Helper()
	var v1, v2 []byte
	if err := s.w.QueryRow(get, k1).Scan(&v1); err != nil {
		t.Fatal(err)
	}
	if err := s.w.QueryRow(get, k2).Scan(&v2); err != nil {
		t.Fatal(err)
	}
	exec(t, s, set, v2, k1)
	exec(t, s, set, v1, k2)
}
