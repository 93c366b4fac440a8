package crypto

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// IDSize is the length of an ID in bytes.
const IDSize = 20

// ID names an identity: SHA-256("jarvis-id-v1" || Sign || DH) cut to 160
// bits. It is always recomputed from keys, never taken from input as truth.
type ID [IDSize]byte

// idEncoding is lowercase base32 without padding: 32 characters for 20 bytes,
// no symbols that break copy and paste.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ErrBadID reports a string that is not an ID.
var ErrBadID = errors.New("not a Jarvis ID")

// String returns the 32-character form of the ID.
func (id ID) String() string { return idEncoding.EncodeToString(id[:]) }

// Short returns the first 8 characters, for display where space is tight.
func (id ID) Short() string { return id.String()[:8] }

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id == ID{} }

// ParseID parses the 32-character form of an ID (case-insensitive).
func ParseID(s string) (ID, error) {
	var id ID
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) != idEncoding.EncodedLen(IDSize) {
		return id, fmt.Errorf("%w: want %d characters", ErrBadID, idEncoding.EncodedLen(IDSize))
	}
	b, err := idEncoding.DecodeString(s)
	if err != nil {
		return id, fmt.Errorf("%w: %v", ErrBadID, err)
	}
	copy(id[:], b)
	return id, nil
}

// MessageIDSize is the length of a message ID in bytes.
const MessageIDSize = 16

// MessageID names one message, the same on both ends: NewMessageID for a
// 1:1 message, GroupMessageID for a group message.
type MessageID [MessageIDSize]byte

// NewMessageID returns 48 bits of Unix milliseconds followed by 80 random
// bits. IDs made close in time sort close together, so indexes on them grow
// at their right edge instead of dirtying a random page per message; 80
// random bits keep IDs unguessable and unique. The time it reveals is
// already in the message's sent_at, and both travel encrypted.
func NewMessageID(now time.Time) MessageID {
	var id MessageID
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(id[:6], ms[2:])
	rand.Read(id[6:]) // crypto/rand.Read never fails (Go 1.24+)
	return id
}

// String returns the 32-character hex form.
func (id MessageID) String() string { return hex.EncodeToString(id[:]) }
