package crypto

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// MaxSkippedKeys bounds the message keys a receiving chain keeps for
// messages that have not arrived yet.
const MaxSkippedKeys = 2000

// Errors of the sender-key ratchet.
var (
	ErrKeyUsed     = errors.New("group message key already used or never held")
	ErrKeyTooFar   = errors.New("group message is too far ahead of its chain")
	ErrChainCorrup = errors.New("stored chain state is malformed")
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

// Ratchet is a receiving (or sending) chain: the chain key for sequence
// number Next, plus message keys skipped on the way. Older chain keys are
// never kept.
type Ratchet struct {
	ck      ChainKey
	next    uint64
	skipped map[uint64]MessageKey
}

// NewRatchet starts a chain whose key ck belongs to sequence number start.
func NewRatchet(ck ChainKey, start uint64) *Ratchet {
	return &Ratchet{ck: ck, next: start, skipped: make(map[uint64]MessageKey)}
}

// Next is the sequence number the current chain key belongs to.
func (r *Ratchet) Next() uint64 { return r.next }

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

// MarshalBinary encodes ck ‖ next:u64 ‖ n:u16 ‖ (seq:u64 ‖ mk[32])×n, for
// sealed storage.
func (r *Ratchet) MarshalBinary() ([]byte, error) {
	seqs := make([]uint64, 0, len(r.skipped))
	for s := range r.skipped {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	b := make([]byte, 0, 42+40*len(seqs))
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

// UnmarshalRatchet restores a chain saved with MarshalBinary.
func UnmarshalRatchet(b []byte) (*Ratchet, error) {
	if len(b) < 42 {
		return nil, ErrChainCorrup
	}
	r := &Ratchet{skipped: make(map[uint64]MessageKey)}
	copy(r.ck[:], b)
	r.next = binary.BigEndian.Uint64(b[32:])
	n := int(binary.BigEndian.Uint16(b[40:]))
	b = b[42:]
	if len(b) != 40*n || n > MaxSkippedKeys {
		return nil, fmt.Errorf("%w: %d skipped keys in %d bytes", ErrChainCorrup, n, len(b))
	}
	for i := 0; i < n; i++ {
		var mk MessageKey
		copy(mk[:], b[8:40])
		r.skipped[binary.BigEndian.Uint64(b)] = mk
		b = b[40:]
	}
	return r, nil
}
