package crypto

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// ErrSealCorrupt means a sealed value failed authentication: it was altered,
// moved to another row or column, or sealed under another key.
var ErrSealCorrupt = errors.New("sealed value failed authentication")

// Sealer encrypts values at rest with XChaCha20-Poly1305. Its 192-bit random
// nonces are safe to draw at random for the life of a long-lived key, which a
// 96-bit nonce would not be.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer derives a sealing key for purpose from the master key with
// HKDF-SHA256, so keys for different purposes are independent.
func NewSealer(mk MasterKey, purpose string) (*Sealer, error) {
	key, err := hkdf.Key(sha256.New, mk[:], nil, "jarvis-seal-v1/"+purpose, chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("derive sealing key: %w", err)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("derive sealing key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// DeriveKey derives a 32-byte key from the master key with HKDF-SHA256
// (no salt, info = label), for a job other than sealing columns, such as the
// store's row MACs. label must differ from every other label used with the
// master key; NewSealer's are "jarvis-seal-v1/<purpose>".
func DeriveKey(mk MasterKey, label string) ([32]byte, error) {
	var k [32]byte
	key, err := hkdf.Key(sha256.New, mk[:], nil, label, len(k))
	if err != nil {
		return k, fmt.Errorf("derive key %q: %w", label, err)
	}
	copy(k[:], key)
	clear(key)
	return k, nil
}

// Seal encrypts plaintext bound to ad and returns nonce || ciphertext.
func (s *Sealer) Seal(plaintext, ad []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	return s.sealWithNonce(nonce, plaintext, ad)
}

func (s *Sealer) sealWithNonce(nonce, plaintext, ad []byte) []byte {
	return s.aead.Seal(nonce, nonce, plaintext, ad)
}

// Open decrypts a value produced by Seal with the same ad.
func (s *Sealer) Open(sealed, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrSealCorrupt
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, ErrSealCorrupt
	}
	return plain, nil
}

// ColumnAD builds associated data that binds a sealed value to its table,
// column and row. Each part is length-prefixed so no two different triples
// can produce the same bytes.
func ColumnAD(table, column string, row []byte) []byte {
	b := []byte("jarvis-col-v1")
	for _, part := range [][]byte{[]byte(table), []byte(column), row} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(part)))
		b = append(b, part...)
	}
	return b
}
