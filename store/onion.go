package store

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"jarvis/crypto"
)

// identityOnion is the column label in the onion key's AD. It differs from
// identityPrivate, so neither sealed key can be passed off as the other.
const identityOnion = "onion"

// newOnionSeed returns the seed of a fresh onion service key. The key is
// generated for this one job, never derived from the identity key
// (security.md, "separate keys for separate jobs").
func newOnionSeed() ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate onion key: %w", err)
	}
	seed := append([]byte(nil), priv.Seed()...)
	clear(priv)
	return seed, nil
}

// OnionKey returns the Ed25519 key of our onion service, which p2p/tor hands
// to tor on each start; the onion address follows from its public half
// (crypto.OnionAddress). CreateIdentity makes it; an account made before
// onion keys gets one on the first call, once: the check and the write
// share one write transaction, so concurrent first calls agree.
// The caller should clear the key when done with it.
func (s *Store) OnionKey(ctx context.Context) (ed25519.PrivateKey, error) {
	sl, err := s.unlocked()
	if err != nil {
		return nil, fmt.Errorf("store: onion key: %w", err)
	}
	var key ed25519.PrivateKey
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		var idStr string
		var sealed []byte
		err := tx.QueryRowContext(ctx, `SELECT id, onion FROM identity WHERE slot = 1`).Scan(&idStr, &sealed)
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
		var seed []byte
		if sealed != nil {
			seed, err = openCol(sl, "identity", identityOnion, ident[:], sealed)
		} else {
			seed, err = newOnionSeed()
		}
		if err != nil {
			return err
		}
		defer clear(seed)
		if sealed == nil {
			if _, err := tx.ExecContext(ctx, `UPDATE identity SET onion = ? WHERE slot = 1`,
				sealCol(sl, "identity", identityOnion, ident[:], seed)); err != nil {
				return err
			}
		}
		if len(seed) != ed25519.SeedSize {
			return fmt.Errorf("stored onion key has %d bytes", len(seed))
		}
		key = ed25519.NewKeyFromSeed(seed)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: onion key: %w", err)
	}
	return key, nil
}
