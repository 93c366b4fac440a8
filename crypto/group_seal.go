package crypto

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/curve25519"
)

// ErrGroupDecrypt means a group message or sender key failed to decrypt.
// Signatures are checked apart, with VerifyGroupMessage and VerifySenderKey.
var ErrGroupDecrypt = errors.New("group record failed to decrypt")

// ErrSenderKeyMalformed means an encoded sender key has the wrong length.
var ErrSenderKeyMalformed = errors.New("sender key is malformed")

// SenderKey is one author's chain key for one epoch, sealed to one
// recipient and signed by the author, so any member can relay it.
type SenderKey struct {
	Group     GroupID
	Epoch     uint64 // roster version the chain was made at
	Author    ID
	Recipient ID
	StartSeq  uint64 // the sequence number ChainKey belongs to
	Eph       [32]byte
	Box       [32 + chacha20poly1305.Overhead]byte
	Sig       [64]byte
}

// SenderKeySize is the length of an encoded SenderKey.
const SenderKeySize = senderKeyHeaderSize + 32 + chacha20poly1305.Overhead + 64

// senderKeyHeaderSize is group ‖ epoch ‖ author ‖ recipient ‖ start_seq ‖ eph.
const senderKeyHeaderSize = GroupIDSize + 8 + IDSize + IDSize + 8 + 32

func (k *SenderKey) header() []byte {
	b := make([]byte, 0, senderKeyHeaderSize)
	b = append(b, k.Group[:]...)
	b = binary.BigEndian.AppendUint64(b, k.Epoch)
	b = append(b, k.Author[:]...)
	b = append(b, k.Recipient[:]...)
	b = binary.BigEndian.AppendUint64(b, k.StartSeq)
	return append(b, k.Eph[:]...)
}

// AppendBinary appends the SenderKeySize-byte encoding: the header the box
// and the signature cover, then the box, then the signature. It is the body
// of the wire record GroupSenderKey.
func (k *SenderKey) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, k.header()...)
	b = append(b, k.Box[:]...)
	return append(b, k.Sig[:]...), nil
}

// ParseSenderKey decodes exactly SenderKeySize bytes written by
// AppendBinary. It checks neither the signature nor the recipient.
func ParseSenderKey(b []byte) (SenderKey, error) {
	var k SenderKey
	s := cryptobyte.String(b)
	if !s.CopyBytes(k.Group[:]) || !s.ReadUint64(&k.Epoch) || !s.CopyBytes(k.Author[:]) ||
		!s.CopyBytes(k.Recipient[:]) || !s.ReadUint64(&k.StartSeq) || !s.CopyBytes(k.Eph[:]) ||
		!s.CopyBytes(k.Box[:]) || !s.CopyBytes(k.Sig[:]) || !s.Empty() {
		return SenderKey{}, ErrSenderKeyMalformed
	}
	return k, nil
}

func (k *SenderKey) signed() []byte {
	b := append([]byte("jarvis-senderkey-v1"), k.header()...)
	return append(b, k.Box[:]...)
}

// senderKeyAEAD derives the one-time key HKDF(X25519(eph, DH) ‖ eph ‖ DH).
// Each key seals one value, so the zero nonce is safe.
func senderKeyAEAD(shared []byte, eph, dh [32]byte) ([]byte, error) {
	ikm := append(append(append([]byte(nil), shared...), eph[:]...), dh[:]...)
	return hkdf.Key(sha256.New, ikm, nil, "jarvis-senderkey-v1", chacha20poly1305.KeySize)
}

// SealSenderKey seals ck for recipient with a fresh ephemeral key from r and
// signs the result. k's Group, Epoch, StartSeq and Recipient must be set;
// Author is set from author.
func SealSenderKey(r io.Reader, author *Identity, recipient PublicIdentity, k SenderKey, ck ChainKey) (SenderKey, error) {
	var ephPriv [32]byte
	if _, err := io.ReadFull(r, ephPriv[:]); err != nil {
		return k, fmt.Errorf("seal sender key: %w", err)
	}
	ephPub, err := curve25519.X25519(ephPriv[:], curve25519.Basepoint)
	if err != nil {
		return k, fmt.Errorf("seal sender key: %w", err)
	}
	shared, err := curve25519.X25519(ephPriv[:], recipient.DH[:])
	if err != nil {
		return k, fmt.Errorf("seal sender key: %w", err)
	}
	k.Author, k.Recipient = author.ID(), recipient.ID()
	copy(k.Eph[:], ephPub)
	key, err := senderKeyAEAD(shared, k.Eph, recipient.DH)
	if err != nil {
		return k, fmt.Errorf("seal sender key: %w", err)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return k, fmt.Errorf("seal sender key: %w", err)
	}
	copy(k.Box[:], aead.Seal(nil, make([]byte, aead.NonceSize()), ck[:], k.header()))
	copy(k.Sig[:], author.Sign(k.signed()))
	return k, nil
}

// VerifySenderKey checks the author's signature.
func VerifySenderKey(k SenderKey, author PublicIdentity) bool {
	return author.ID() == k.Author && author.Verify(k.signed(), k.Sig[:])
}

// OpenSenderKey decrypts a sender key addressed to recipient. Check the
// signature first with VerifySenderKey.
func OpenSenderKey(recipient *Identity, k SenderKey) (ChainKey, error) {
	if k.Recipient != recipient.ID() {
		return ChainKey{}, ErrGroupDecrypt
	}
	priv := recipient.DHPrivate()
	shared, err := curve25519.X25519(priv[:], k.Eph[:])
	if err != nil {
		return ChainKey{}, ErrGroupDecrypt
	}
	key, err := senderKeyAEAD(shared, k.Eph, recipient.Public().DH)
	if err != nil {
		return ChainKey{}, fmt.Errorf("open sender key: %w", err)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return ChainKey{}, fmt.Errorf("open sender key: %w", err)
	}
	plain, err := aead.Open(nil, make([]byte, aead.NonceSize()), k.Box[:], k.header())
	if err != nil || len(plain) != 32 {
		return ChainKey{}, ErrGroupDecrypt
	}
	var ck ChainKey
	copy(ck[:], plain)
	return ck, nil
}

// GroupHeader names one group message: (group, author, seq) is unique.
type GroupHeader struct {
	Group  GroupID
	Author ID
	Epoch  uint64
	Seq    uint64
}

func (h GroupHeader) bytes() []byte {
	b := make([]byte, 0, 52)
	b = append(b, h.Group[:]...)
	b = append(b, h.Author[:]...)
	b = binary.BigEndian.AppendUint64(b, h.Epoch)
	return binary.BigEndian.AppendUint64(b, h.Seq)
}

// nonce = SHA-256("jarvis-gmsg-nonce-v1" ‖ group ‖ author ‖ seq)[:24]. Each
// message key is used once anyway; the derived nonce adds no randomness
// requirement and binds the ciphertext to its position.
func (h GroupHeader) nonce() []byte {
	s := sha256.New()
	s.Write([]byte("jarvis-gmsg-nonce-v1"))
	s.Write(h.Group[:])
	s.Write(h.Author[:])
	s.Write(binary.BigEndian.AppendUint64(nil, h.Seq))
	return s.Sum(nil)[:chacha20poly1305.NonceSizeX]
}

func groupSigned(h GroupHeader, ct []byte) []byte {
	b := append([]byte("jarvis-gmsg-v1"), h.bytes()...)
	return append(b, ct...)
}

// SealGroupMessage encrypts plaintext under mk with the header as AD and
// signs header ‖ ciphertext with the author's key.
func SealGroupMessage(author *Identity, h GroupHeader, mk MessageKey, plaintext []byte) (ct, sig []byte, err error) {
	aead, err := chacha20poly1305.NewX(mk[:])
	if err != nil {
		return nil, nil, fmt.Errorf("seal group message: %w", err)
	}
	ct = aead.Seal(nil, h.nonce(), plaintext, h.bytes())
	return ct, author.Sign(groupSigned(h, ct)), nil
}

// VerifyGroupMessage checks the author's signature over header ‖ ciphertext.
func VerifyGroupMessage(author PublicIdentity, h GroupHeader, ct, sig []byte) bool {
	return author.ID() == h.Author && author.Verify(groupSigned(h, ct), sig)
}

// OpenGroupMessage decrypts a group message with its message key.
func OpenGroupMessage(mk MessageKey, h GroupHeader, ct []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(mk[:])
	if err != nil {
		return nil, fmt.Errorf("open group message: %w", err)
	}
	plain, err := aead.Open(nil, h.nonce(), ct, h.bytes())
	if err != nil {
		return nil, ErrGroupDecrypt
	}
	return plain, nil
}

// GroupMessageID is the stable 16-byte ID of (group, author, seq):
// SHA-256("jarvis-gmsg-id-v1" ‖ group ‖ author ‖ seq)[:16].
func GroupMessageID(h GroupHeader) MessageID {
	s := sha256.New()
	s.Write([]byte("jarvis-gmsg-id-v1"))
	s.Write(h.Group[:])
	s.Write(h.Author[:])
	s.Write(binary.BigEndian.AppendUint64(nil, h.Seq))
	var id MessageID
	copy(id[:], s.Sum(nil))
	return id
}
