package pair

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// channelID is CPace's CI. Fixed: the parties have no identities yet (that
// is what they are swapping), and the version in it keeps a future protocol's
// keys apart from this one's.
const channelID = "jarvis-pair-v1"

// runKeys are the four keys of one run, each for one job in one direction,
// derived from CPace's ISK with HKDF-SHA256 (salt = sid, info = label).
type runKeys struct {
	transcript []byte // sid ‖ MSGa ‖ MSGb, what the MACs cover
	hostMAC    []byte
	joinerMAC  []byte
	hostSeal   []byte
	joinerSeal []byte
}

const (
	labelHostMAC    = "jarvis-pair-v1/mac/host"
	labelJoinerMAC  = "jarvis-pair-v1/mac/joiner"
	labelHostSeal   = "jarvis-pair-v1/seal/host"
	labelJoinerSeal = "jarvis-pair-v1/seal/joiner"
)

func deriveKeys(isk, sid, msgA, msgB []byte) (*runKeys, error) {
	k := &runKeys{transcript: append(append(append([]byte{}, sid...), msgA...), msgB...)}
	for _, d := range []struct {
		dst   *[]byte
		label string
	}{{&k.hostMAC, labelHostMAC}, {&k.joinerMAC, labelJoinerMAC}, {&k.hostSeal, labelHostSeal}, {&k.joinerSeal, labelJoinerSeal}} {
		key, err := hkdf.Key(sha256.New, isk, sid, d.label, chacha20poly1305.KeySize)
		if err != nil {
			return nil, fmt.Errorf("derive %s: %w", d.label, err)
		}
		*d.dst = key
	}
	return k, nil
}

// wipe clears the keys once the run is over; best effort in a garbage-
// collected language, but it shortens their life in memory.
func (k *runKeys) wipe() {
	for _, b := range [][]byte{k.hostMAC, k.joinerMAC, k.hostSeal, k.joinerSeal} {
		clear(b)
	}
}

// mac is one side's key confirmation: HMAC-SHA256 of the transcript under
// that side's MAC key. The ISK already commits to the transcript; MACing it
// again costs nothing and does not rest on that.
func (k *runKeys) mac(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(k.transcript)
	return m.Sum(nil)
}

// macOK compares in constant time, so the time to reject a forged MAC says
// nothing about how much of it was right.
func (k *runKeys) macOK(key, got []byte) bool {
	return hmac.Equal(k.mac(key), got)
}

// seal encrypts one link code. Each seal key is used for exactly one
// message, so a fixed zero nonce never repeats under a key. The message's
// header is the associated data: a sealed code cannot be moved to another
// message.
func seal(key []byte, t byte, payload []byte) ([]byte, error) {
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return aead.Seal(nil, make([]byte, chacha20poly1305.NonceSize), payload, header(t)), nil
}

func open(key []byte, t byte, sealed []byte) ([]byte, error) {
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	p, err := aead.Open(nil, make([]byte, chacha20poly1305.NonceSize), sealed, header(t))
	if err != nil {
		return nil, fmt.Errorf("%w: sealed link code does not open", ErrMalformed)
	}
	return p, nil
}

// checkPayload keeps link codes within what a frame carries.
func checkPayload(p []byte) error {
	if len(p) == 0 || len(p) > MaxPayload {
		return fmt.Errorf("pair: link code of %d bytes (1 to %d allowed)", len(p), MaxPayload)
	}
	return nil
}
