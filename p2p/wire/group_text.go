package wire

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
)

// GroupText is the plaintext a GroupMessage's ciphertext seals:
// sent_at:i64 (unix ms) ‖ body, the body running to the end (PROTOCOL.md).
type GroupText struct {
	SentAt int64 // unix milliseconds
	Body   string
}

// groupTextHeader is the size of sent_at.
const groupTextHeader = 8

// AppendGroupText appends the encoding of t to b. The body obeys the limits
// of a Text body: at most MaxBody bytes of UTF-8.
func AppendGroupText(b []byte, t GroupText) ([]byte, error) {
	if err := checkString("body", t.Body, MaxBody); err != nil {
		return b, fmt.Errorf("wire: encode group text: %w", err)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(t.SentAt))
	return append(b, t.Body...), nil
}

// ParseGroupText decodes what AppendGroupText wrote, as strictly as DecodeAll.
func ParseGroupText(b []byte) (GroupText, error) {
	s := cryptobyte.String(b)
	var sentAt uint64
	if !s.ReadUint64(&sentAt) {
		return GroupText{}, fmt.Errorf("wire: group text: %w", ErrTruncated)
	}
	if len(s) > MaxBody {
		return GroupText{}, fmt.Errorf("wire: group text: body is %d bytes, limit %d: %w", len(s), MaxBody, ErrOverLimit)
	}
	if !utf8.Valid(s) {
		return GroupText{}, fmt.Errorf("wire: group text: %w", ErrInvalidUTF8)
	}
	return GroupText{SentAt: int64(sentAt), Body: string(s)}, nil
}
