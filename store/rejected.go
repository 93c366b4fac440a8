package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"jarvis/crypto"
)

// metaRejectKey names the sealed key of the rejected list in meta.
const metaRejectKey = "rejected_key"

// rejectKeySize is the HMAC-SHA256 key length.
const rejectKeySize = 32

// RejectList remembers the strangers whose contact requests the user
// declined, so their later sessions are closed at once. It stores keyed
// hashes, HMAC-SHA256(k, ID), under a random key k sealed with the master
// key: someone holding the data directory without the passphrase learns
// how many were declined, not who, and cannot test a guessed ID.
type RejectList struct {
	s   *Store
	key []byte // fixed once loaded

	mu     sync.Mutex
	hashes map[[sha256.Size]byte]struct{}
}

// Rejected loads the rejected list, making its key on first use. The store
// must be unlocked.
func (s *Store) Rejected(ctx context.Context) (*RejectList, error) {
	sl, err := s.unlocked()
	if err != nil {
		return nil, fmt.Errorf("store: rejected list: %w", err)
	}
	key, err := s.rejectKey(ctx, sl)
	if err != nil {
		return nil, fmt.Errorf("store: rejected list: %w", err)
	}
	l := &RejectList{s: s, key: key, hashes: make(map[[sha256.Size]byte]struct{})}
	rows, err := s.r.QueryContext(ctx, `SELECT hash FROM rejected`)
	if err != nil {
		return nil, fmt.Errorf("store: rejected list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("store: rejected list: %w", err)
		}
		var h [sha256.Size]byte
		if len(b) != len(h) {
			return nil, fmt.Errorf("store: rejected list: hash of %d bytes: %w", len(b), ErrInvalid)
		}
		copy(h[:], b)
		l.hashes[h] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: rejected list: %w", err)
	}
	return l, nil
}

// rejectKey reads the list's key, or makes and stores one. It runs in a
// write transaction so two first users cannot make two keys.
func (s *Store) rejectKey(ctx context.Context, sl *crypto.Sealer) ([]byte, error) {
	row := []byte(metaRejectKey)
	var key []byte
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var sealed []byte
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaRejectKey).Scan(&sealed)
		if err == nil {
			key, err = openCol(sl, "meta", "value", row, sealed)
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		key = make([]byte, rejectKeySize)
		rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`,
			metaRejectKey, sealCol(sl, "meta", "value", row, key))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	if len(key) != rejectKeySize {
		return nil, fmt.Errorf("key of %d bytes: %w", len(key), ErrInvalid)
	}
	return key, nil
}

func (l *RejectList) hash(id crypto.ID) [sha256.Size]byte {
	mac := hmac.New(sha256.New, l.key)
	mac.Write([]byte("jarvis-rejected-v1"))
	mac.Write(id[:])
	var h [sha256.Size]byte
	copy(h[:], mac.Sum(nil))
	return h
}

// Has reports whether id was declined.
func (l *RejectList) Has(id crypto.ID) bool {
	h := l.hash(id)
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.hashes[h]
	return ok
}

// Add remembers id as declined, durably.
func (l *RejectList) Add(ctx context.Context, id crypto.ID) error {
	h := l.hash(id)
	if _, err := l.s.w.ExecContext(ctx, `INSERT OR IGNORE INTO rejected (hash) VALUES (?)`, h[:]); err != nil {
		return fmt.Errorf("store: remember rejected: %w", diskFull(err))
	}
	l.mu.Lock()
	l.hashes[h] = struct{}{}
	l.mu.Unlock()
	return nil
}

// Remove forgets id: the user added them after all.
func (l *RejectList) Remove(ctx context.Context, id crypto.ID) error {
	h := l.hash(id)
	if _, err := l.s.w.ExecContext(ctx, `DELETE FROM rejected WHERE hash = ?`, h[:]); err != nil {
		return fmt.Errorf("store: forget rejected: %w", err)
	}
	l.mu.Lock()
	delete(l.hashes, h)
	l.mu.Unlock()
	return nil
}
