// Package crypto holds Jarvis's cryptographic building blocks as pure
// functions and small types: identities, IDs, safety numbers, link codes,
// passphrase key wrapping and column sealing. It does no I/O of its own.
package crypto

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/curve25519"
)

// identitySize is the length of a marshalled private identity: the Ed25519
// seed followed by the X25519 private key.
const identitySize = ed25519.SeedSize + curve25519.ScalarSize

// PublicIdentity is what a peer publishes: an Ed25519 key that signs and an
// X25519 key that authenticates Noise sessions. Both feed the ID, so neither
// can be swapped without changing who the identity is.
type PublicIdentity struct {
	Sign [32]byte
	DH   [32]byte
}

// ID derives the identity's ID from its public keys.
func (p PublicIdentity) ID() ID {
	h := sha256.New()
	h.Write([]byte("jarvis-id-v1"))
	h.Write(p.Sign[:])
	h.Write(p.DH[:])
	var id ID
	copy(id[:], h.Sum(nil))
	return id
}

// Verify reports whether sig is a valid Ed25519 signature of msg by p.Sign.
func (p PublicIdentity) Verify(msg, sig []byte) bool {
	if len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(ed25519.PublicKey(p.Sign[:]), msg, sig)
}

// Identity is a private identity. Its keys are two independent random keys
// rather than one converted key, so that no key is ever used both to sign and
// to agree.
type Identity struct {
	sign   ed25519.PrivateKey
	dhPriv [32]byte
	pub    PublicIdentity
}

// GenerateIdentity creates a new identity from r (crypto/rand.Reader in
// production).
func GenerateIdentity(r io.Reader) (*Identity, error) {
	var raw [identitySize]byte
	if _, err := io.ReadFull(r, raw[:]); err != nil {
		return nil, fmt.Errorf("generate identity: %w", err)
	}
	return UnmarshalIdentity(raw[:])
}

// UnmarshalIdentity restores an identity saved with MarshalBinary.
func UnmarshalIdentity(b []byte) (*Identity, error) {
	if len(b) != identitySize {
		return nil, errors.New("unmarshal identity: wrong length")
	}
	k := &Identity{sign: ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])}
	copy(k.dhPriv[:], b[ed25519.SeedSize:])
	dhPub, err := curve25519.X25519(k.dhPriv[:], curve25519.Basepoint)
	if err != nil {
		return nil, fmt.Errorf("unmarshal identity: %w", err)
	}
	copy(k.pub.Sign[:], k.sign.Public().(ed25519.PublicKey))
	copy(k.pub.DH[:], dhPub)
	return k, nil
}

// MarshalBinary returns the 64-byte private form: Ed25519 seed || X25519 key.
func (k *Identity) MarshalBinary() ([]byte, error) {
	out := make([]byte, 0, identitySize)
	out = append(out, k.sign.Seed()...)
	return append(out, k.dhPriv[:]...), nil
}

// Public returns the identity's public keys.
func (k *Identity) Public() PublicIdentity { return k.pub }

// ID returns the identity's ID.
func (k *Identity) ID() ID { return k.pub.ID() }

// Sign signs msg with the Ed25519 key.
func (k *Identity) Sign(msg []byte) []byte { return ed25519.Sign(k.sign, msg) }

// DHPrivate returns the X25519 private key used as the Noise static key.
func (k *Identity) DHPrivate() [32]byte { return k.dhPriv }
