package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"jarvis/crypto"
	"jarvis/store"
)

// ErrWrongPassphrase is returned by Unlock and CheckPassphrase.
var ErrWrongPassphrase = crypto.ErrWrongPassphrase

// ErrNoAccount means the data directory holds no identity yet.
var ErrNoAccount = errors.New("no account here yet; create one first")

// ErrTampered is what a Failure wraps when stored data failed its integrity
// check: someone changed the data directory outside Jarvis. The rows are
// refused, never shown as if trusted.
var ErrTampered = store.ErrTampered

// ErrDamaged: the database file is corrupt (truncated, overwritten, bits
// flipped while Jarvis was stopped); the error names the file. Nothing was
// changed: a frontend tells the person to restore a backup.
var ErrDamaged = store.ErrDamaged

// DamagedError is ErrDamaged for one file.
type DamagedError = store.DamagedError

// AccountConfig says where the account lives.
type AccountConfig struct {
	// Path is the database file inside the (already locked) data directory.
	Path string
	// KDF overrides the Argon2id cost; zero means the secure default. Tests
	// use a cheap cost; production never sets it.
	KDF crypto.KDFParams
}

// Account is the encrypted store before and after unlocking: frontends use
// it to create an identity or unlock one, then hand it to NewCore.
type Account struct {
	store    *store.Store
	path     string // the database file; its directory is the data directory
	kdf      crypto.KDFParams
	unlocked atomic.Bool
}

// OpenAccount opens (creating if needed) the account database.
func OpenAccount(cfg AccountConfig) (*Account, error) {
	st, err := store.Open(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("open account: %w", err)
	}
	return &Account{store: st, path: cfg.Path, kdf: cfg.KDF}, nil
}

// Close closes the database. Close the Core first.
func (a *Account) Close() error { return a.store.Close() }

// Exists reports whether an identity has been created.
func (a *Account) Exists(ctx context.Context) (bool, error) {
	return a.store.HasIdentity(ctx)
}

// Create makes a new identity with a display name, protected by pass, and
// leaves the account unlocked.
func (a *Account) Create(ctx context.Context, name string, pass []byte) error {
	if err := crypto.ValidateName(name); err != nil {
		return fmt.Errorf("display name: %w", err)
	}
	if len(pass) == 0 {
		return errors.New("the passphrase is empty")
	}
	kdf, err := a.kdfParams()
	if err != nil {
		return err
	}
	id, err := crypto.GenerateIdentity(rand.Reader)
	if err != nil {
		return err
	}
	if err := a.store.CreateIdentity(ctx, pass, kdf, id, name); err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	a.unlocked.Store(true)
	return nil
}

// Unlock derives the key from pass and opens the account. A wrong
// passphrase returns an error matching ErrWrongPassphrase and changes nothing.
func (a *Account) Unlock(ctx context.Context, pass []byte) error {
	ok, err := a.store.HasIdentity(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoAccount
	}
	if err := a.store.Unlock(ctx, pass); err != nil {
		return err
	}
	a.unlocked.Store(true)
	return nil
}

// CheckPassphrase re-derives the key to check pass without changing any
// state; the lock screen uses it, so no passphrase is ever cached.
func (a *Account) CheckPassphrase(ctx context.Context, pass []byte) error {
	return a.store.CheckPassphrase(ctx, pass)
}

// ChangePassphrase re-wraps the master key under a new passphrase.
func (a *Account) ChangePassphrase(ctx context.Context, old, new []byte) error {
	if len(new) == 0 {
		return errors.New("the new passphrase is empty")
	}
	kdf, err := a.kdfParams()
	if err != nil {
		return err
	}
	return a.store.ChangePassphrase(ctx, old, new, kdf)
}

func (a *Account) kdfParams() (crypto.KDFParams, error) {
	p, err := crypto.NewKDFParams(rand.Reader)
	if err != nil {
		return p, err
	}
	if a.kdf.Time != 0 {
		p.Time, p.MemoryKiB, p.Threads = a.kdf.Time, a.kdf.MemoryKiB, a.kdf.Threads
	}
	return p, nil
}

// Unlocked reports whether Create or Unlock has succeeded.
func (a *Account) Unlocked() bool { return a.unlocked.Load() }

// Code returns our link code without starting the network, for
// `jarvis code`. listen, advertise and tc are as in Config: the onion
// address is in the code when the core would use Tor.
func (a *Account) Code(ctx context.Context, listen string, advertise []string, tc TorConfig) (string, error) {
	id, name, err := a.store.Identity(ctx)
	if err != nil {
		return "", err
	}
	var addrs []string
	if tc.Mode != TorOnly {
		if addrs, err = advertisedAddrs(advertise, listen); err != nil {
			return "", err
		}
	}
	if on, why := torEnabled(tc); on {
		key, err := a.store.OnionKey(ctx)
		if err != nil {
			return "", fmt.Errorf("load onion key: %w", err)
		}
		onion := onionAddrFor(key, onionPort(listen)).String()
		clear(key)
		addrs = withOnion(addrs, onion)
	} else if why != nil && tc.Mode.Required() {
		return "", why
	}
	return crypto.EncodeLinkCode(crypto.LinkCode{Name: name, Keys: id.Public(), Addrs: addrs})
}

// AddOffline stores the person behind a link code as a pending contact
// while Jarvis is not running; the request goes out on the next start.
func (a *Account) AddOffline(ctx context.Context, code string) (Contact, error) {
	lc, err := crypto.ParseLinkCode(code)
	if err != nil {
		return Contact{}, err
	}
	id, _, err := a.store.Identity(ctx)
	if err != nil {
		return Contact{}, err
	}
	if lc.Keys.ID() == id.ID() {
		return Contact{}, ErrOwnCode
	}
	if existing, err := a.store.Contact(ctx, lc.Keys.ID()); err == nil {
		return contactFromStore(existing, crypto.SafetyNumber(id.Public(), existing.Keys)), nil
	}
	now := time.Now()
	c := store.Contact{
		ID: lc.Keys.ID(), Keys: lc.Keys, Name: lc.Name, Addrs: mergeAddrs(lc.Addrs, nil),
		State: store.ContactPendingOut, CreatedAt: now, LastActivity: now,
	}
	if err := a.store.PutContact(ctx, c); err != nil {
		return Contact{}, err
	}
	return contactFromStore(c, crypto.SafetyNumber(id.Public(), c.Keys)), nil
}
