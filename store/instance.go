package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
)

// InstanceSize is the length of an instance ID.
const InstanceSize = 16

// Instance returns the random ID of this copy of the account, making it on
// first use. It is not secret and not tied to the identity: it tells two
// devices that run one restored identity apart (PROTOCOL.md, "Two
// devices"). A backup leaves it out, so a restored copy gets its own.
func (s *Store) Instance(ctx context.Context) ([InstanceSize]byte, error) {
	var id [InstanceSize]byte
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var v []byte
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaInstance).Scan(&v)
		if err == nil && len(v) == InstanceSize {
			copy(id[:], v)
			return nil
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := rand.Read(id[:]); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, metaInstance, id[:])
		return err
	})
	if err != nil {
		return id, fmt.Errorf("store: instance: %w", err)
	}
	return id, nil
}
