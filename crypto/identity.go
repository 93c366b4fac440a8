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
	"math/big"

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

// ErrBadPublicKey reports a public key that is not a canonical encoding of
// a point of large order: such a key names no one, or names someone twice.
var ErrBadPublicKey = errors.New("invalid public key")

// Validate checks both keys of a public identity from outside: the Ed25519
// key must be a canonical encoding of a point that is not of small order,
// and the X25519 key canonical and not of small order. A small-order key
// makes signatures or DH outputs predictable, and a non-canonical one lets
// the same key hide behind a second ID.
func (p PublicIdentity) Validate() error {
	if err := checkEd25519(p.Sign); err != nil {
		return fmt.Errorf("%w: signing key: %w", ErrBadPublicKey, err)
	}
	if err := checkX25519(p.DH); err != nil {
		return fmt.Errorf("%w: DH key: %w", ErrBadPublicKey, err)
	}
	return nil
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

// Field arithmetic for the key checks. math/big is slow and not constant
// time, which is fine here: the inputs are public keys. The standard
// library's edwards25519 is internal and filippo.io/edwards25519 is not a
// dependency, so the curve equation is written out (RFC 8032 §5.1.3).
var (
	fieldP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	// edwardsD is -121665/121666 mod p.
	edwardsD = func() *big.Int {
		inv := new(big.Int).ModInverse(big.NewInt(121666), fieldP)
		d := new(big.Int).Mul(big.NewInt(-121665), inv)
		return d.Mod(d, fieldP)
	}()
)

// checkEd25519 decodes an Ed25519 public key strictly and refuses points of
// order dividing 8. crypto/ed25519 accepts both.
func checkEd25519(k [32]byte) error {
	x, y, err := decodeEdwards(k)
	if err != nil {
		return err
	}
	for range 3 {
		x, y = edwardsDouble(x, y)
	}
	if x.Sign() == 0 && y.Cmp(big.NewInt(1)) == 0 {
		return errors.New("small order")
	}
	return nil
}

// decodeEdwards returns the affine point k encodes, refusing y >= p, points
// off the curve and the encoding of x = 0 with the sign bit set.
func decodeEdwards(k [32]byte) (x, y *big.Int, err error) {
	sign := k[31] >> 7
	le := k
	le[31] &= 0x7f
	y = new(big.Int).SetBytes(reversed(le[:]))
	if y.Cmp(fieldP) >= 0 {
		return nil, nil, errors.New("non-canonical encoding")
	}
	// x² = (y² - 1) / (d·y² + 1)
	y2 := new(big.Int).Mul(y, y)
	u := new(big.Int).Sub(y2, big.NewInt(1))
	v := new(big.Int).Mul(edwardsD, y2)
	v.Add(v, big.NewInt(1)).Mod(v, fieldP)
	x2 := new(big.Int).Mul(u, new(big.Int).ModInverse(v, fieldP))
	x2.Mod(x2, fieldP)
	x = new(big.Int).ModSqrt(x2, fieldP)
	if x == nil {
		return nil, nil, errors.New("not a curve point")
	}
	if x.Sign() == 0 && sign == 1 {
		return nil, nil, errors.New("non-canonical encoding")
	}
	if uint8(x.Bit(0)) != sign {
		x.Sub(fieldP, x)
	}
	return x, y, nil
}

// edwardsDouble returns 2·(x, y) on -x² + y² = 1 + d·x²·y². The formula is
// complete because d is not a square, so no denominator is ever zero.
func edwardsDouble(x, y *big.Int) (*big.Int, *big.Int) {
	xx := new(big.Int).Mul(x, x)
	yy := new(big.Int).Mul(y, y)
	dxxyy := new(big.Int).Mul(edwardsD, xx)
	dxxyy.Mul(dxxyy, yy).Mod(dxxyy, fieldP)
	one := big.NewInt(1)
	nx := new(big.Int).Mul(big.NewInt(2), x)
	nx.Mul(nx, y)
	nx.Mul(nx, new(big.Int).ModInverse(new(big.Int).Add(one, dxxyy), fieldP)).Mod(nx, fieldP)
	ny := new(big.Int).Add(yy, xx)
	den := new(big.Int).Sub(one, dxxyy)
	ny.Mul(ny, new(big.Int).ModInverse(den.Mod(den, fieldP), fieldP)).Mod(ny, fieldP)
	return nx, ny
}

func reversed(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}

// checkX25519 refuses a u-coordinate that is not reduced (the top bit set,
// or u >= p: the same key under another name) or of small order on the
// curve or its twist, whose DH output is all zeros whatever our scalar.
func checkX25519(k [32]byte) error {
	if k[31]&0x80 != 0 || new(big.Int).SetBytes(reversed(k[:])).Cmp(fieldP) >= 0 {
		return errors.New("non-canonical encoding")
	}
	var scalar [32]byte
	scalar[0] = 9
	if _, err := curve25519.X25519(scalar[:], k[:]); err != nil {
		return errors.New("small order")
	}
	return nil
}
