package crypto

import (
	"bytes"
	"crypto/rand"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gtank/ristretto255"
)

// CPace is the balanced PAKE of draft-irtf-cfrg-cpace, suite
// CPACE-RISTR255-SHA512, in its initiator/responder setting. Two people
// who typed the same short code end with the same 64-byte ISK; anyone who
// did not gets nothing to test guesses against offline, so an attacker has
// one guess per run. Only the suite's own steps are here: what the key is
// used for (confirmation, the channel) belongs to the caller.
//
// The construction is the draft's, checked against its test vectors.

const (
	cpaceDSI       = "CPaceRistretto255"
	cpaceHashBlock = 128 // SHA-512's input block size: s_in_bytes
	cpacePointLen  = 32
	// CPaceISKLen is the size of the shared key that Finish returns.
	CPaceISKLen = sha512.Size
	// cpaceMaxAD bounds the associated data either side may send.
	cpaceMaxAD = 1024
)

// ErrCPaceMessage means the peer's CPace message was malformed or carried
// a point that would make the key predictable; the run must stop.
var ErrCPaceMessage = errors.New("cpace: bad peer message")

// CPace holds one side's secret between sending its message and reading
// the peer's.
type CPace struct {
	y         *ristretto255.Scalar
	sid       []byte
	msg       []byte
	initiator bool
	done      bool
}

// NewCPace starts one side of a run. prs is the shared secret (the short
// code), ci the channel identifier both sides compute the same way, sid a
// session ID both know (e.g. random bytes the initiator sends first), ad
// this side's public associated data. It returns the message to send.
func NewCPace(prs, ci, sid, ad []byte, initiator bool) (*CPace, []byte, error) {
	var wide [64]byte
	if _, err := rand.Read(wide[:]); err != nil {
		return nil, nil, fmt.Errorf("cpace: random scalar: %w", err)
	}
	return newCPaceWithScalar(ristretto255.NewScalar().FromUniformBytes(wide[:]), prs, ci, sid, ad, initiator)
}

func newCPaceWithScalar(y *ristretto255.Scalar, prs, ci, sid, ad []byte, initiator bool) (*CPace, []byte, error) {
	if len(ad) > cpaceMaxAD {
		return nil, nil, fmt.Errorf("cpace: associated data of %d bytes is over %d", len(ad), cpaceMaxAD)
	}
	g := cpaceGenerator(prs, ci, sid)
	share := ristretto255.NewElement().ScalarMult(y, g).Encode(nil)
	c := &CPace{y: y, sid: bytes.Clone(sid), initiator: initiator}
	c.msg = lvCat(share, ad)
	return c, bytes.Clone(c.msg), nil
}

// Finish reads the peer's message and returns the shared ISK and the
// peer's associated data. It can be called once.
func (c *CPace) Finish(peerMsg []byte) (isk, peerAD []byte, err error) {
	if c.done {
		return nil, nil, errors.New("cpace: run already finished")
	}
	c.done = true
	fields, ok := lvSplit(peerMsg, 2)
	if !ok || len(fields[0]) != cpacePointLen || len(fields[1]) > cpaceMaxAD {
		return nil, nil, ErrCPaceMessage
	}
	k, ok := cpaceScalarMultVfy(c.y, fields[0])
	if !ok {
		return nil, nil, ErrCPaceMessage
	}
	first, second := c.msg, peerMsg
	if !c.initiator {
		first, second = peerMsg, c.msg
	}
	h := sha512.New()
	h.Write(lvCat([]byte(cpaceDSI+"_ISK"), c.sid, k))
	h.Write(first)
	h.Write(second)
	return h.Sum(nil), bytes.Clone(fields[1]), nil
}

// cpaceGenerator maps the secret and the session's public inputs to a
// group element: the draft's calculate_generator for ristretto255. The
// zero padding fills the hash's first block so its work does not depend on
// the length of the secret.
func cpaceGenerator(prs, ci, sid []byte) *ristretto255.Element {
	zpad := max(0, cpaceHashBlock-len(prependLen(prs))-len(prependLen([]byte(cpaceDSI)))-1)
	sum := sha512.Sum512(lvCat([]byte(cpaceDSI), prs, make([]byte, zpad), ci, sid))
	return ristretto255.NewElement().FromUniformBytes(sum[:])
}

// cpaceScalarMultVfy is the draft's scalar_mult_vfy: an encoding that does
// not decode, or a product that is the identity, reports false.
func cpaceScalarMultVfy(y *ristretto255.Scalar, encoded []byte) ([]byte, bool) {
	p := ristretto255.NewElement()
	if err := p.Decode(encoded); err != nil {
		return nil, false
	}
	k := ristretto255.NewElement().ScalarMult(y, p)
	if k.Equal(ristretto255.NewElement().Zero()) == 1 {
		return nil, false
	}
	return k.Encode(nil), true
}

// prependLen is the draft's prepend_len: the LEB128 length, then the bytes.
func prependLen(b []byte) []byte {
	out := binary.AppendUvarint(nil, uint64(len(b)))
	return append(out, b...)
}

// lvCat is the draft's prefix_free_cat.
func lvCat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, prependLen(p)...)
	}
	return out
}

// lvSplit parses exactly n length-prefixed fields that fill b.
func lvSplit(b []byte, n int) ([][]byte, bool) {
	fields := make([][]byte, 0, n)
	for range n {
		l, used := binary.Uvarint(b)
		// A length written in more bytes than it needs is refused: one
		// message, one encoding.
		if used <= 0 || used != len(binary.AppendUvarint(nil, l)) || l > uint64(len(b)-used) {
			return nil, false
		}
		fields = append(fields, b[used:used+int(l)])
		b = b[used+int(l):]
	}
	return fields, len(b) == 0
}
