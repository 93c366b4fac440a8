package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
)

// GroupText is the plaintext a GroupMessage's ciphertext seals, in one of
// two forms (PROTOCOL.md §11 "Group messages"):
//
//	sent_at:i64 ‖ text                  plain text: Record is nil
//	(sent_at | 1<<63):i64 ‖ record      one content record: Body is empty
//
// A content record is a record as in a frame (length, type, body) of a type
// GroupContent allows: a reply, an edit, a file offer. The flag bit keeps
// every plain-text message the same bytes as before records existed.
type GroupText struct {
	SentAt int64 // unix milliseconds, never negative
	Body   string
	Record Message
}

// groupTextHeader is the size of sent_at.
const groupTextHeader = 8

// groupRecordFlag marks a GroupText that carries a record.
const groupRecordFlag = 1 << 63

// maxGroupRecord bounds a content record: a text body and room for the
// fields that come with it.
const maxGroupRecord = MaxBody + 512

// ErrNotGroupContent is returned for a record type that cannot travel
// inside a group message.
var ErrNotGroupContent = errors.New("wire: record type not allowed in a group message")

// GroupContent reports whether records of type t may travel inside a group
// message. Records that steer a session (Hello, Ack, Ping…) or a group
// (rosters, keys, sync) never do.
func GroupContent(t Type) bool {
	switch t {
	case TypeReply, TypeReaction, TypeEdit, TypeDelete, TypeFileOffer:
		return true
	}
	return false
}

// AppendGroupText appends the encoding of t to b. The body obeys the limits
// of a Text body: at most MaxBody bytes of UTF-8; a record, its own limits
// and maxGroupRecord.
func AppendGroupText(b []byte, t GroupText) ([]byte, error) {
	if t.SentAt < 0 {
		return b, fmt.Errorf("wire: encode group text: sent_at %d is negative: %w", t.SentAt, ErrOverLimit)
	}
	if t.Record == nil {
		if err := checkString("body", t.Body, MaxBody); err != nil {
			return b, fmt.Errorf("wire: encode group text: %w", err)
		}
		b = binary.BigEndian.AppendUint64(b, uint64(t.SentAt))
		return append(b, t.Body...), nil
	}
	if t.Body != "" {
		return b, fmt.Errorf("wire: encode group text: a body and a record: %w", ErrOverLimit)
	}
	if !GroupContent(t.Record.Type()) {
		return b, fmt.Errorf("wire: encode group text: %s: %w", t.Record.Type(), ErrNotGroupContent)
	}
	start := len(b)
	b = binary.BigEndian.AppendUint64(b, uint64(t.SentAt)|groupRecordFlag)
	b, err := Append(b, t.Record)
	if err != nil {
		return b[:start], fmt.Errorf("wire: encode group text: %w", err)
	}
	if n := len(b) - start - groupTextHeader; n > maxGroupRecord {
		return b[:start], fmt.Errorf("wire: encode group text: record is %d bytes, limit %d: %w", n, maxGroupRecord, ErrOverLimit)
	}
	return b, nil
}

// ParseGroupText decodes what AppendGroupText wrote, as strictly as DecodeAll.
func ParseGroupText(b []byte) (GroupText, error) {
	s := cryptobyte.String(b)
	var sentAt uint64
	if !s.ReadUint64(&sentAt) {
		return GroupText{}, fmt.Errorf("wire: group text: %w", ErrTruncated)
	}
	if sentAt&groupRecordFlag != 0 {
		return parseGroupRecord(int64(sentAt&^groupRecordFlag), s)
	}
	if len(s) > MaxBody {
		return GroupText{}, fmt.Errorf("wire: group text: body is %d bytes, limit %d: %w", len(s), MaxBody, ErrOverLimit)
	}
	if !utf8.Valid(s) {
		return GroupText{}, fmt.Errorf("wire: group text: %w", ErrInvalidUTF8)
	}
	return GroupText{SentAt: int64(sentAt), Body: string(s)}, nil
}

// parseGroupRecord decodes the one content record after a flagged sent_at.
func parseGroupRecord(sentAt int64, s cryptobyte.String) (GroupText, error) {
	if len(s) > maxGroupRecord {
		return GroupText{}, fmt.Errorf("wire: group text: record is %d bytes, limit %d: %w", len(s), maxGroupRecord, ErrOverLimit)
	}
	if len(s) >= recordHeader+1 && !GroupContent(Type(s[recordHeader])) {
		return GroupText{}, fmt.Errorf("wire: group text: %s: %w", Type(s[recordHeader]), ErrNotGroupContent)
	}
	msgs, err := DecodeAll(s)
	if err != nil {
		return GroupText{}, fmt.Errorf("wire: group text: %w", err)
	}
	if len(msgs) != 1 {
		return GroupText{}, fmt.Errorf("wire: group text: %d records, want 1: %w", len(msgs), ErrTrailing)
	}
	return GroupText{SentAt: sentAt, Record: msgs[0]}, nil
}
