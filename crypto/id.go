package crypto

import (
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
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

// Bytes returns a copy of the ID's bytes.
func (id ID) Bytes() []byte { return append([]byte(nil), id[:]...) }
