package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
)

// Wipe destroys the account's key wrapping and closes the store: the
// wrapped master key and its KDF parameters are overwritten with random
// bytes of the same length (in place, with secure_delete on, so no old copy
// stays in a free page) and the WAL is checkpointed and truncated, so no
// frame keeps the old value. Every sealed value in the files is then
// unreadable with any passphrase; the caller deletes the directory next.
func (s *Store) Wipe(ctx context.Context) error {
	err := s.wipeKeys(ctx)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: wipe: %w", err)
	}
	return nil
}

func (s *Store) wipeKeys(ctx context.Context) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return err
	}
	for _, key := range []string{metaWrapped, metaKDF} {
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT coalesce(length(value), 0) FROM meta WHERE key = ?`, key).Scan(&n); err != nil {
			return fmt.Errorf("read %s: %w", key, err)
		}
		junk := make([]byte, n)
		if _, err := rand.Read(junk); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = ?`, junk, key); err != nil {
			return fmt.Errorf("overwrite %s: %w", key, err)
		}
	}
	var busy, logged, moved int
	if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &moved); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return errors.New("checkpoint: a reader held the database; close Jarvis and try again")
	}
	return nil
}
