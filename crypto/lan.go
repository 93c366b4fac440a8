package crypto

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/curve25519"
)

// LANEntryLen is the length of one contact's entry in a LAN announcement:
// a 64-bit tag (a stranger's entry matches by chance once in 2^64) and the
// announcer's 16-bit port, both under a mask only the contact can compute.
const LANEntryLen = 10

// LANKey is the secret two contacts share for recognising each other on a
// local network: the X25519 of their static keys, so nobody else (not even
// someone holding both link codes) can compute it.
type LANKey [32]byte

// LANKey derives the key this identity shares with peer. Both sides get the
// same key: the public keys enter HKDF in a fixed order.
func (k *Identity) LANKey(peer PublicIdentity) (LANKey, error) {
	shared, err := curve25519.X25519(k.dhPriv[:], peer.DH[:])
	if err != nil {
		return LANKey{}, fmt.Errorf("lan key: %w", err)
	}
	lo, hi := k.pub.DH[:], peer.DH[:]
	if string(lo) > string(hi) {
		lo, hi = hi, lo
	}
	info := "jarvis-lan-key-v1" + string(lo) + string(hi)
	out, err := hkdf.Key(sha256.New, shared, nil, info, len(LANKey{}))
	if err != nil {
		return LANKey{}, fmt.Errorf("lan key: %w", err)
	}
	return LANKey(out), nil
}

// LANMask hides one contact's entry in one announcement.
type LANMask [LANEntryLen]byte

// Mask is the mask for the contact that shares k with announcer, in the
// announcement with this epoch and nonce. The epoch and the packet's random
// nonce make every mask new, so a listener can link no two announcements
// to one person, and sees no port either; the announcer's key makes A's
// masks and B's differ.
func (k LANKey) Mask(announcer PublicIdentity, epoch uint64, nonce []byte) LANMask {
	m := hmac.New(sha256.New, k[:])
	m.Write([]byte("jarvis-lan-entry-v1"))
	m.Write(announcer.DH[:])
	m.Write(binary.BigEndian.AppendUint64(nil, epoch))
	m.Write(nonce)
	var out LANMask
	copy(out[:], m.Sum(nil))
	return out
}

// Seal is the entry that tells the contact our port: eight bytes of the
// mask as the tag, the port under the last two.
func (m LANMask) Seal(port uint16) [LANEntryLen]byte {
	e := [LANEntryLen]byte(m)
	e[LANEntryLen-2] ^= byte(port >> 8)
	e[LANEntryLen-1] ^= byte(port)
	return e
}

// Open reads an entry: ok is false for anyone else's entry (or padding).
func (m LANMask) Open(entry [LANEntryLen]byte) (port uint16, ok bool) {
	if subtle.ConstantTimeCompare(m[:LANEntryLen-2], entry[:LANEntryLen-2]) != 1 {
		return 0, false
	}
	port = uint16(m[LANEntryLen-2]^entry[LANEntryLen-2])<<8 | uint16(m[LANEntryLen-1]^entry[LANEntryLen-1])
	return port, port != 0
}
