package crypto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/cryptobyte"
)

// Argon2id cost: RFC 9106's second recommended option (t=3, 64 MiB, p=4).
const (
	DefaultKDFTime      = 3
	DefaultKDFMemoryKiB = 64 * 1024
	DefaultKDFThreads   = 4
	kdfSaltSize         = 16
	kdfVersion          = 1
)

// ErrWrongPassphrase means the passphrase did not unwrap the master key.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// KDFParams records how a passphrase was stretched, stored beside the salt so
// that stronger parameters can be chosen later without breaking old data.
type KDFParams struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
	Salt      []byte
}

// NewKDFParams returns the default Argon2id parameters with a fresh salt.
func NewKDFParams(r io.Reader) (KDFParams, error) {
	p := KDFParams{Time: DefaultKDFTime, MemoryKiB: DefaultKDFMemoryKiB, Threads: DefaultKDFThreads, Salt: make([]byte, kdfSaltSize)}
	if _, err := io.ReadFull(r, p.Salt); err != nil {
		return KDFParams{}, fmt.Errorf("new kdf salt: %w", err)
	}
	return p, nil
}

// MarshalBinary encodes the parameters: version, time, memory, threads, salt.
func (p KDFParams) MarshalBinary() ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	b := []byte{kdfVersion}
	b = binary.BigEndian.AppendUint32(b, p.Time)
	b = binary.BigEndian.AppendUint32(b, p.MemoryKiB)
	b = append(b, p.Threads, byte(len(p.Salt)))
	return append(b, p.Salt...), nil
}

// UnmarshalKDFParams decodes what MarshalBinary wrote.
func UnmarshalKDFParams(b []byte) (KDFParams, error) {
	s := cryptobyte.String(b)
	var p KDFParams
	var version uint8
	var salt cryptobyte.String
	if !s.ReadUint8(&version) || version != kdfVersion || !s.ReadUint32(&p.Time) || !s.ReadUint32(&p.MemoryKiB) ||
		!s.ReadUint8(&p.Threads) || !s.ReadUint8LengthPrefixed(&salt) || !s.Empty() {
		return KDFParams{}, errors.New("kdf params: malformed")
	}
	p.Salt = bytes.Clone(salt)
	return p, p.validate()
}

func (p KDFParams) validate() error {
	if p.Time < 1 || p.Threads < 1 || p.MemoryKiB < 8*uint32(p.Threads) || len(p.Salt) < 8 || len(p.Salt) > 255 {
		return errors.New("kdf params: out of range")
	}
	return nil
}

// MasterKey is the random key everything at rest derives from. The
// passphrase only wraps it, so changing the passphrase re-wraps 32 bytes.
type MasterKey [32]byte

// NewMasterKey draws a master key from r.
func NewMasterKey(r io.Reader) (MasterKey, error) {
	var mk MasterKey
	if _, err := io.ReadFull(r, mk[:]); err != nil {
		return mk, fmt.Errorf("new master key: %w", err)
	}
	return mk, nil
}

// wrapAD binds the wrapped key to its purpose and to the KDF parameters, so
// that parameters edited on disk cannot pair with a ciphertext unnoticed.
func wrapAD(p KDFParams) []byte {
	enc, _ := p.MarshalBinary()
	return append([]byte("jarvis-master-key-v1"), enc...)
}

// deriveKEK stretches pass with Argon2id, then hands the KDF's memory
// (64 MiB by default) back to the operating system at once. Go would keep
// it in its heap for reuse, and the resident size is what a phone's
// background killer looks at: 77 MB idle with it, about a fifth of that
// without. The forced collection costs a few milliseconds per unlock.
func deriveKEK(pass []byte, p KDFParams) []byte {
	kek := argon2.IDKey(pass, p.Salt, p.Time, p.MemoryKiB, p.Threads, chacha20poly1305.KeySize)
	debug.FreeOSMemory()
	return kek
}

// WrapMasterKey encrypts mk under a key stretched from pass with Argon2id.
func WrapMasterKey(r io.Reader, pass []byte, p KDFParams, mk MasterKey) ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("wrap master key: %w", err)
	}
	aead, err := chacha20poly1305.NewX(deriveKEK(pass, p))
	if err != nil {
		return nil, fmt.Errorf("wrap master key: %w", err)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(mk)+aead.Overhead())
	if _, err := io.ReadFull(r, nonce); err != nil {
		return nil, fmt.Errorf("wrap master key: %w", err)
	}
	return aead.Seal(nonce, nonce, mk[:], wrapAD(p)), nil
}

// UnwrapMasterKey recovers the master key; a wrong passphrase gives
// ErrWrongPassphrase.
func UnwrapMasterKey(pass []byte, p KDFParams, wrapped []byte) (MasterKey, error) {
	var mk MasterKey
	if err := p.validate(); err != nil {
		return mk, fmt.Errorf("unwrap master key: %w", err)
	}
	aead, err := chacha20poly1305.NewX(deriveKEK(pass, p))
	if err != nil {
		return mk, fmt.Errorf("unwrap master key: %w", err)
	}
	if len(wrapped) != aead.NonceSize()+len(mk)+aead.Overhead() {
		return mk, errors.New("unwrap master key: stored key is malformed")
	}
	plain, err := aead.Open(nil, wrapped[:aead.NonceSize()], wrapped[aead.NonceSize():], wrapAD(p))
	if err != nil {
		return mk, ErrWrongPassphrase
	}
	copy(mk[:], plain)
	return mk, nil
}

// MinPassphraseRunes is the shortest passphrase accepted at creation.
const MinPassphraseRunes = 8

// Estimated strength of a new passphrase, in bits, below which the user
// is told it is weak or only fair.
const (
	WeakPassphraseBits = 40
	FairPassphraseBits = 70
)

// ErrPassphraseTooWeak is what every refusal of a new passphrase matches.
var ErrPassphraseTooWeak = errors.New("passphrase too weak")

// WeakPassphraseError says why a new passphrase was refused; Reason is a
// phrase a frontend can show as it is ("use at least 8 characters …").
type WeakPassphraseError struct{ Reason string }

func (e *WeakPassphraseError) Error() string { return "passphrase too weak: " + e.Reason }

// Is makes errors.Is(err, ErrPassphraseTooWeak) hold.
func (e *WeakPassphraseError) Is(target error) bool { return target == ErrPassphraseTooWeak }

// CheckNewPassphrase refuses a new passphrase an attacker with the data
// directory would guess at once (too short, or one character repeated)
// and otherwise estimates its strength in bits from its length and
// character classes: rough, but honest enough to steer people towards
// long passphrases. It works on the bytes, so the passphrase never
// becomes a string.
func CheckNewPassphrase(pass []byte) (bits int, err error) {
	var lower, upper, digit, other bool
	n, same := 0, true
	var first rune
	for b := pass; len(b) > 0; n++ {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if n == 0 {
			first = r
		}
		same = same && r == first
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	switch {
	case n < MinPassphraseRunes:
		return 0, &WeakPassphraseError{Reason: fmt.Sprintf("use at least %d characters (4 random words are best)", MinPassphraseRunes)}
	case same:
		return 0, &WeakPassphraseError{Reason: "it repeats one character; use 4 random words instead"}
	}
	pool := 0
	for _, c := range []struct {
		on   bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}} {
		if c.on {
			pool += c.size
		}
	}
	perRune := 0
	for p := pool; p > 1; p >>= 1 {
		perRune++
	}
	return perRune * n, nil
}
