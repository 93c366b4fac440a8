package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"jarvis/crypto"
)

func onionKey(t *testing.T, s *Store) ed25519.PrivateKey {
	t.Helper()
	k, err := s.OnionKey(context.Background())
	if err != nil {
		t.Fatalf("OnionKey: %v", err)
	}
	return k
}

func TestOnionKeyIsMadeWithTheIdentityAndKeptAcrossReopen(t *testing.T) {
	s, path := newAccount(t)
	var sealed []byte
	if err := s.r.QueryRow(`SELECT onion FROM identity`).Scan(&sealed); err != nil || sealed == nil {
		t.Fatalf("CreateIdentity left no onion key: %v", err)
	}
	k := onionKey(t, s)
	if !k.Equal(onionKey(t, s)) {
		t.Fatal("a second OnionKey call returned another key")
	}
	id, _, err := s.Identity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sign := id.Public().Sign; bytes.Equal(k.Public().(ed25519.PublicKey), sign[:]) {
		t.Fatal("the onion key is the identity signing key")
	}
	s.Close()
	if got := onionKey(t, reopen(t, path)); !k.Equal(got) {
		t.Fatal("the onion key changed after reopening")
	}
}

// An account from before onion keys has NULL in the column migration 9
// added; concurrent first calls must settle on one key, kept from then on.
func TestOnionKeyIsCreatedOnceAfterUpgrading(t *testing.T) {
	s, path := newAccount(t)
	exec(t, s, `UPDATE identity SET onion = NULL`)
	const n = 8
	keys := make([]ed25519.PrivateKey, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, err := s.OnionKey(context.Background())
			if err != nil {
				t.Errorf("OnionKey: %v", err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !k.Equal(keys[0]) {
			t.Fatal("concurrent first OnionKey calls returned different keys")
		}
	}
	s.Close()
	if got := onionKey(t, reopen(t, path)); !keys[0].Equal(got) {
		t.Fatal("the onion key created after upgrading changed after reopening")
	}
}

func TestOnionKeyNeverReachesTheDiskInTheClear(t *testing.T) {
	s, path := newAccount(t)
	k := onionKey(t, s)
	exec(t, s, `UPDATE identity SET onion = NULL`) // the upgrade path writes it too
	k2 := onionKey(t, s)
	check := func(when string) {
		entries, err := os.ReadDir(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(filepath.Dir(path), e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range []ed25519.PrivateKey{k, k2} {
				if bytes.Contains(b, key.Seed()) || bytes.Contains(b, key) {
					t.Errorf("%s: %s holds the onion key in the clear", when, e.Name())
				}
			}
		}
	}
	check("while open")
	s.Close()
	check("after Close")
}

func TestOnionKeyNeedsThePassphrase(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	onionKey(t, s)
	s.Close()
	s = openAt(t, path)
	if _, err := s.OnionKey(ctx); !errors.Is(err, ErrLocked) {
		t.Fatalf("OnionKey while locked: %v, want ErrLocked", err)
	}
	if err := s.Unlock(ctx, []byte("wrong")); !errors.Is(err, crypto.ErrWrongPassphrase) {
		t.Fatalf("Unlock: %v, want ErrWrongPassphrase", err)
	}
	if _, err := s.OnionKey(ctx); !errors.Is(err, ErrLocked) {
		t.Fatalf("OnionKey after a wrong passphrase: %v, want ErrLocked", err)
	}
}

// The AD binds the sealed value to its column: the sealed identity key moved
// into the onion column is refused, not used as an onion key.
func TestOnionKeyRefusesTheSealedIdentityKey(t *testing.T) {
	s, _ := newAccount(t)
	exec(t, s, `UPDATE identity SET onion = private`)
	if _, err := s.OnionKey(context.Background()); !errors.Is(err, crypto.ErrSealCorrupt) {
		t.Fatalf("OnionKey: %v, want crypto.ErrSealCorrupt", err)
	}
}
