package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"jarvis/crypto"
)

// meta keys. Neither value is secret on its own: the wrapped key needs the passphrase.
const (
	metaKDF     = "kdf"
	metaWrapped = "wrapped_master_key"
)

// HasIdentity reports whether CreateIdentity has run on this database. It works while locked.
func (s *Store) HasIdentity(ctx context.Context) (bool, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM identity`).Scan(&n); err != nil {
		return false, fmt.Errorf("store: has identity: %w", damaged(s.path, err))
	}
	return n > 0, nil
}

// CreateIdentity stores a new account: a fresh random master key wrapped under
// pass with kdf, and id's private key, the own display name and a new onion
// key (OnionKey) sealed under it.
// The store is unlocked afterwards.
func (s *Store) CreateIdentity(ctx context.Context, pass []byte, kdf crypto.KDFParams, id *crypto.Identity, name string) error {
	if id == nil {
		return fmt.Errorf("store: create identity: nil identity: %w", ErrInvalid)
	}
	mk, err := crypto.NewMasterKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("store: create identity: %w", err)
	}
	defer clear(mk[:])
	wrapped, err := crypto.WrapMasterKey(rand.Reader, pass, kdf, mk)
	if err != nil {
		return fmt.Errorf("store: create identity: wrap master key: %w", err)
	}
	kdfBytes, err := kdf.MarshalBinary()
	if err != nil {
		return fmt.Errorf("store: create identity: kdf params: %w", err)
	}
	sl, rm, err := deriveKeys(mk)
	if err != nil {
		return fmt.Errorf("store: create identity: %w", err)
	}
	priv, err := id.MarshalBinary()
	if err != nil {
		return fmt.Errorf("store: create identity: marshal identity: %w", err)
	}
	defer clear(priv)
	onion, err := newOnionSeed()
	if err != nil {
		return fmt.Errorf("store: create identity: %w", err)
	}
	defer clear(onion)
	ident := id.ID()
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM identity`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrIdentityExists
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?), (?, ?)`,
			metaKDF, kdfBytes, metaWrapped, wrapped); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO identity (slot, id, private, name, onion) VALUES (1, ?, ?, ?, ?)`,
			ident.String(),
			sealCol(sl, "identity", identityPrivate, ident[:], priv),
			sealCol(sl, "identity", "name", ident[:], []byte(name)),
			sealCol(sl, "identity", identityOnion, ident[:], onion))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: create identity: %w", err)
	}
	s.setKeys(sl, rm)
	return nil
}

// Unlock unwraps the master key with pass and keeps the keys derived from
// it in memory. The first unlock of a database written before rows carried
// MACs computes them (rowmac_upgrade.go). A wrong passphrase returns an
// error wrapping crypto.ErrWrongPassphrase and changes nothing.
func (s *Store) Unlock(ctx context.Context, pass []byte) error {
	mk, _, err := s.unwrap(ctx, pass)
	if err != nil {
		return fmt.Errorf("store: unlock: %w", damaged(s.path, err))
	}
	defer clear(mk[:])
	sl, rm, err := deriveKeys(mk)
	if err != nil {
		return fmt.Errorf("store: unlock: %w", err)
	}
	if err := s.upgradeRowMACs(ctx, sl, rm); err != nil {
		return fmt.Errorf("store: unlock: %w", damaged(s.path, err))
	}
	if err := s.fillGroupMessageIDs(ctx); err != nil {
		return fmt.Errorf("store: unlock: %w", err)
	}
	s.setKeys(sl, rm)
	return nil
}

// deriveKeys derives the column sealer and the row MACer from the master key.
func deriveKeys(mk crypto.MasterKey) (*crypto.Sealer, *rowMACer, error) {
	sl, err := crypto.NewSealer(mk, sealPurpose)
	if err != nil {
		return nil, nil, err
	}
	rm, err := newRowMACer(mk)
	if err != nil {
		return nil, nil, err
	}
	return sl, rm, nil
}

// CheckPassphrase reports whether pass unwraps the master key, without changing any state.
func (s *Store) CheckPassphrase(ctx context.Context, pass []byte) error {
	mk, _, err := s.unwrap(ctx, pass)
	if err != nil {
		return fmt.Errorf("store: check passphrase: %w", err)
	}
	clear(mk[:])
	return nil
}

// ChangePassphrase re-wraps the master key under newPass with kdf. Sealed data
// is untouched, since the master key itself does not change.
func (s *Store) ChangePassphrase(ctx context.Context, oldPass, newPass []byte, kdf crypto.KDFParams) error {
	mk, oldWrapped, err := s.unwrap(ctx, oldPass)
	if err != nil {
		return fmt.Errorf("store: change passphrase: %w", err)
	}
	defer clear(mk[:])
	wrapped, err := crypto.WrapMasterKey(rand.Reader, newPass, kdf, mk)
	if err != nil {
		return fmt.Errorf("store: change passphrase: wrap master key: %w", err)
	}
	kdfBytes, err := kdf.MarshalBinary()
	if err != nil {
		return fmt.Errorf("store: change passphrase: kdf params: %w", err)
	}
	// The KDF ran outside the write lock; the compare-and-swap on the old
	// wrapped key makes sure nobody changed the passphrase in between.
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = ? AND value = ?`,
			wrapped, metaWrapped, oldWrapped)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return ErrConcurrentChange
		}
		_, err = tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = ?`, kdfBytes, metaKDF)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: change passphrase: %w", err)
	}
	return nil
}

// unwrap returns the master key and the wrapped bytes it came from.
func (s *Store) unwrap(ctx context.Context, pass []byte) (crypto.MasterKey, []byte, error) {
	kdf, wrapped, err := keyMeta(ctx, s.r)
	if err != nil {
		return crypto.MasterKey{}, nil, err
	}
	mk, err := crypto.UnwrapMasterKey(pass, kdf, wrapped)
	if err != nil {
		return crypto.MasterKey{}, nil, err
	}
	return mk, wrapped, nil
}

// Identity returns the private identity and the own display name.
func (s *Store) Identity(ctx context.Context) (*crypto.Identity, string, error) {
	sl, err := s.unlocked()
	if err != nil {
		return nil, "", fmt.Errorf("store: identity: %w", err)
	}
	var idStr string
	var privSealed, nameSealed []byte
	err = s.r.QueryRowContext(ctx, `SELECT id, private, name FROM identity WHERE slot = 1`).
		Scan(&idStr, &privSealed, &nameSealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("store: identity: %w", ErrNoIdentity)
	}
	if err != nil {
		return nil, "", fmt.Errorf("store: identity: %w", err)
	}
	ident, err := crypto.ParseID(idStr)
	if err != nil {
		return nil, "", fmt.Errorf("store: identity: stored id: %w", err)
	}
	priv, err := openCol(sl, "identity", identityPrivate, ident[:], privSealed)
	if err != nil {
		return nil, "", fmt.Errorf("store: identity: %w", err)
	}
	defer clear(priv)
	name, err := openCol(sl, "identity", "name", ident[:], nameSealed)
	if err != nil {
		return nil, "", fmt.Errorf("store: identity: %w", err)
	}
	id, err := crypto.UnmarshalIdentity(priv)
	if err != nil {
		return nil, "", fmt.Errorf("store: identity: unmarshal: %w", err)
	}
	if id.ID() != ident {
		return nil, "", fmt.Errorf("store: identity: private key does not match stored id")
	}
	return id, string(name), nil
}

// SetOwnName replaces the own display name.
func (s *Store) SetOwnName(ctx context.Context, name string) error {
	sl, err := s.unlocked()
	if err != nil {
		return fmt.Errorf("store: set own name: %w", err)
	}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		var idStr string
		err := tx.QueryRowContext(ctx, `SELECT id FROM identity WHERE slot = 1`).Scan(&idStr)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoIdentity
		}
		if err != nil {
			return err
		}
		ident, err := crypto.ParseID(idStr)
		if err != nil {
			return fmt.Errorf("stored id: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE identity SET name = ? WHERE slot = 1`,
			sealCol(sl, "identity", "name", ident[:], []byte(name)))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set own name: %w", err)
	}
	return nil
}
