package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"jarvis/crypto"
)

func TestCreateIdentityStoresItAndLeavesTheStoreUnlocked(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "jarvis.db"))
	if has, err := s.HasIdentity(ctx); err != nil || has {
		t.Fatalf("HasIdentity on a new store = %v, %v; want false", has, err)
	}
	me := newIdentity(t)
	if err := s.CreateIdentity(ctx, testPass, testKDF(t), me, "Ada"); err != nil {
		t.Fatal(err)
	}
	if has, err := s.HasIdentity(ctx); err != nil || !has {
		t.Fatalf("HasIdentity = %v, %v; want true", has, err)
	}
	got, name, err := s.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != me.ID() || got.DHPrivate() != me.DHPrivate() || name != "Ada" {
		t.Fatalf("Identity = %s %q, want %s %q", got.ID(), name, me.ID(), "Ada")
	}
	err = s.CreateIdentity(ctx, testPass, testKDF(t), newIdentity(t), "Eve")
	if !errors.Is(err, ErrIdentityExists) {
		t.Fatalf("second CreateIdentity: %v, want ErrIdentityExists", err)
	}
	if got, _, _ := s.Identity(ctx); got.ID() != me.ID() {
		t.Fatal("second CreateIdentity replaced the identity")
	}
}

func TestUnlock(t *testing.T) {
	tests := []struct {
		name       string
		pass       []byte
		wantErr    error
		wantLocked bool
	}{
		{"right passphrase unlocks", testPass, nil, false},
		{"wrong passphrase stays locked", []byte("wrong"), crypto.ErrWrongPassphrase, true},
		{"empty passphrase stays locked", nil, crypto.ErrWrongPassphrase, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, path := newAccount(t)
			s.Close()
			s = openAt(t, path)
			err := s.Unlock(ctx, tt.pass)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Unlock: %v, want %v", err, tt.wantErr)
			}
			_, name, err := s.Identity(ctx)
			if locked := errors.Is(err, ErrLocked); locked != tt.wantLocked {
				t.Fatalf("after Unlock, Identity err = %v, want locked=%v", err, tt.wantLocked)
			}
			if !tt.wantLocked && name != "Me" {
				t.Fatalf("own name = %q", name)
			}
		})
	}
}

func TestUnlockWithoutIdentityReportsNoIdentity(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "jarvis.db"))
	if err := s.Unlock(context.Background(), testPass); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("Unlock: %v, want ErrNoIdentity", err)
	}
	if _, _, err := s.Identity(context.Background()); !errors.Is(err, ErrLocked) {
		t.Fatalf("Identity: %v, want ErrLocked", err)
	}
}

func TestCheckPassphraseChangesNothing(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	s.Close()
	s = openAt(t, path)
	if err := s.CheckPassphrase(ctx, []byte("nope")); !errors.Is(err, crypto.ErrWrongPassphrase) {
		t.Fatalf("CheckPassphrase(wrong): %v", err)
	}
	if err := s.CheckPassphrase(ctx, testPass); err != nil {
		t.Fatalf("CheckPassphrase(right): %v", err)
	}
	if _, _, err := s.Identity(ctx); !errors.Is(err, ErrLocked) {
		t.Fatalf("CheckPassphrase unlocked the store: Identity err = %v", err)
	}
}

func TestChangePassphraseKeepsDataReadable(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	c := putContact(t, s, "Grace")
	msgs := messages(t, c.ID, 3, func(i int) string { return "hello" })
	if err := s.AddOutgoing(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	newPass := []byte("a new passphrase")
	if err := s.ChangePassphrase(ctx, []byte("wrong"), newPass, testKDF(t)); !errors.Is(err, crypto.ErrWrongPassphrase) {
		t.Fatalf("ChangePassphrase with wrong old: %v", err)
	}
	if err := s.ChangePassphrase(ctx, testPass, newPass, testKDF(t)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = openAt(t, path)
	if err := s.Unlock(ctx, testPass); !errors.Is(err, crypto.ErrWrongPassphrase) {
		t.Fatalf("old passphrase after change: %v, want ErrWrongPassphrase", err)
	}
	if err := s.Unlock(ctx, newPass); err != nil {
		t.Fatalf("new passphrase: %v", err)
	}
	if _, name, err := s.Identity(ctx); err != nil || name != "Me" {
		t.Fatalf("Identity after change: %q, %v", name, err)
	}
	if got, err := s.Contact(ctx, c.ID); err != nil || got.Name != "Grace" {
		t.Fatalf("Contact after change: %q, %v", got.Name, err)
	}
	h, err := s.History(ctx, ContactChat(c.ID), 0, 10)
	if err != nil || len(h) != 3 || h[0].Text != "hello" {
		t.Fatalf("History after change: %d messages, %v", len(h), err)
	}
}

func TestSetOwnName(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	if err := s.SetOwnName(ctx, "Ada Lovelace"); err != nil {
		t.Fatal(err)
	}
	if _, name, err := s.Identity(ctx); err != nil || name != "Ada Lovelace" {
		t.Fatalf("Identity name = %q, %v", name, err)
	}
}

func TestLockedStoreRefusesEverythingThatNeedsTheKey(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	c := putContact(t, s, "Linus")
	s.Close()
	s = openAt(t, path)

	calls := map[string]func() error{
		"Identity":    func() error { _, _, err := s.Identity(ctx); return err },
		"SetOwnName":  func() error { return s.SetOwnName(ctx, "x") },
		"PutContact":  func() error { return s.PutContact(ctx, c) },
		"Contact":     func() error { _, err := s.Contact(ctx, c.ID); return err },
		"Contacts":    func() error { _, err := s.Contacts(ctx); return err },
		"AddOutgoing": func() error { return s.AddOutgoing(ctx, messages(t, c.ID, 1, func(int) string { return "x" })) },
		"AddIncoming": func() error {
			_, err := s.AddIncoming(ctx, messages(t, c.ID, 1, func(int) string { return "x" }))
			return err
		},
		"History": func() error { _, err := s.History(ctx, ContactChat(c.ID), 0, 10); return err },
		"Outbox":  func() error { _, err := s.Outbox(ctx, c.ID, 0, 10); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if err := call(); !errors.Is(err, ErrLocked) {
				t.Fatalf("%s while locked: %v, want ErrLocked", name, err)
			}
		})
	}
	if n, err := outboxCount(ctx, s, c.ID); err != nil || n != 0 {
		t.Fatalf("outboxCount while locked wrote or failed: %d, %v", n, err)
	}
}
