package crypto

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/crypto/cryptobyte"
)

// MaxSkippedKeys bounds the message keys a receiving chain keeps for
// messages that have not arrived yet.
const MaxSkippedKeys = 2000

// Errors of the sender-key ratchet.
var (
	ErrKeyUsed      = errors.New("group message key already used or never held")
	ErrKeyTooFar    = errors.New("group message is too far ahead of its chain")
	ErrChainCorrupt = errors.New("stored chain state is malformed")
)

// ChainKey is one step of an author's sender-key chain.
type ChainKey [32]byte

// MessageKey encrypts exactly one group message.
type MessageKey [32]byte

// MessageKey derives mk_i = HMAC-SHA256(ck_i, 0x01).
func (ck ChainKey) MessageKey() MessageKey {
	var mk MessageKey
	copy(mk[:], hmacByte(ck, 0x01))
	return mk
}

// Next derives ck_{i+1} = HMAC-SHA256(ck_i, 0x02). The step is one-way, so
// a chain key reveals nothing about earlier message keys.
func (ck ChainKey) Next() ChainKey {
	var n ChainKey
	copy(n[:], hmacByte(ck, 0x02))
	return n
}

func hmacByte(ck ChainKey, b byte) []byte {
	h := hmac.New(sha256.New, ck[:])
	h.Write([]byte{b})
	return h.Sum(nil)
}

// Ratchet is a receiving (or sending) chain: the chain key for the next
// sequence number, plus message keys skipped on the way. Older chain keys are
// never kept.
type Ratchet struct {
	ck      ChainKey
	next    uint64
	skipped map[uint64]MessageKey
}

// Position is the next sequence number whose chain key the ratchet holds:
// every key before it has been derived or skipped.
func (r *Ratchet) Position() uint64 { return r.next }

// Continues reports whether a chain that starts at start with ck is the
// one r holds, at r's position: the same sender key delivered again, not a
// fresh chain that happens to start where r stands.
func (r *Ratchet) Continues(ck ChainKey, start uint64) bool {
	return start == r.next && hmac.Equal(ck[:], r.ck[:])
}

// NewRatchet starts a chain whose key ck belongs to sequence number start.
func NewRatchet(ck ChainKey, start uint64) *Ratchet {
	return &Ratchet{ck: ck, next: start, skipped: make(map[uint64]MessageKey)}
}

// Key returns the message key for seq and forgets it: a key is given out
// once. Keys of skipped sequence numbers are kept (at most MaxSkippedKeys,
// oldest dropped first); the chain key moves past seq.
func (r *Ratchet) Key(seq uint64) (MessageKey, error) {
	if seq < r.next {
		mk, ok := r.skipped[seq]
		if !ok {
			return MessageKey{}, ErrKeyUsed
		}
		delete(r.skipped, seq)
		return mk, nil
	}
	if seq-r.next > MaxSkippedKeys {
		return MessageKey{}, ErrKeyTooFar
	}
	for r.next < seq {
		r.skipped[r.next] = r.ck.MessageKey()
		r.ck = r.ck.Next()
		r.next++
	}
	mk := r.ck.MessageKey()
	r.ck = r.ck.Next()
	r.next++
	r.trim()
	return mk, nil
}

func (r *Ratchet) trim() {
	if len(r.skipped) <= MaxSkippedKeys {
		return
	}
	seqs := make([]uint64, 0, len(r.skipped))
	for s := range r.skipped {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	for _, s := range seqs[:len(seqs)-MaxSkippedKeys] {
		delete(r.skipped, s)
	}
}

// Sizes of the stored chain state: ck[32] ‖ next:u64 ‖ n:u16, then n
// entries of seq:u64 ‖ mk[32].
const (
	chainHeaderSize = 32 + 8 + 2
	skippedKeySize  = 8 + 32
)

// MarshalBinary encodes ck ‖ next:u64 ‖ n:u16 ‖ (seq:u64 ‖ mk[32])×n, skipped
// keys in ascending order, for sealed storage.
func (r *Ratchet) MarshalBinary() ([]byte, error) {
	seqs := make([]uint64, 0, len(r.skipped))
	for s := range r.skipped {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	b := make([]byte, 0, chainHeaderSize+skippedKeySize*len(seqs))
	b = append(b, r.ck[:]...)
	b = binary.BigEndian.AppendUint64(b, r.next)
	b = binary.BigEndian.AppendUint16(b, uint16(len(seqs)))
	for _, s := range seqs {
		mk := r.skipped[s]
		b = binary.BigEndian.AppendUint64(b, s)
		b = append(b, mk[:]...)
	}
	return b, nil
}

// UnmarshalRatchet restores a chain saved with MarshalBinary. The encoding
// is canonical: skipped keys in ascending order, each below next.
func UnmarshalRatchet(b []byte) (*Ratchet, error) {
	s := cryptobyte.String(b)
	r := &Ratchet{skipped: make(map[uint64]MessageKey)}
	var n uint16
	if !s.CopyBytes(r.ck[:]) || !s.ReadUint64(&r.next) || !s.ReadUint16(&n) {
		return nil, ErrChainCorrupt
	}
	if n > MaxSkippedKeys || len(s) != int(n)*skippedKeySize {
		return nil, fmt.Errorf("%w: %d skipped keys in %d bytes", ErrChainCorrupt, n, len(s))
	}
	var last uint64
	for i := range int(n) {
		var seq uint64
		var mk MessageKey
		s.ReadUint64(&seq) // cannot fail: the length was checked above
		s.CopyBytes(mk[:])
		if seq >= r.next || (i > 0 && seq <= last) {
			return nil, fmt.Errorf("%w: skipped keys out of order", ErrChainCorrupt)
		}
		r.skipped[seq], last = mk, seq
	}
	return r, nil
}
