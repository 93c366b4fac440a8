package wire

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"jarvis/crypto"
)

// Message operation record types (15 to 19): a reply and the operations
// that change an earlier message (PROTOCOL.md "Replies, reactions, edits
// and deletes"). In a chat they travel as records of their own, acked like
// Text; in a group, as the one content record of a GroupText, where ID and
// SentAt are zero because the group message carries both.
const (
	TypeReply    Type = 15
	TypeReaction Type = 16
	TypeEdit     Type = 17
	TypeDelete   Type = 18
)

// MaxEmoji bounds a reaction: one emoji, with its modifiers and joiners.
const MaxEmoji = 32

// Reply is a text that answers the message ReplyTo.
type Reply struct {
	ID      crypto.MessageID
	SentAt  int64 // unix milliseconds, the author's clock
	ReplyTo crypto.MessageID
	Body    string
}

// Reaction sets the sender's one reaction to Target; an empty Emoji
// removes it.
type Reaction struct {
	ID     crypto.MessageID
	SentAt int64
	Target crypto.MessageID
	Emoji  string
}

// Edit replaces the text of Target, a message of the sender's own.
type Edit struct {
	ID     crypto.MessageID
	SentAt int64
	Target crypto.MessageID
	Body   string
}

// Delete takes Target back for everyone: the sender's own message, or in a
// group any message when the sender is an admin.
type Delete struct {
	ID     crypto.MessageID
	SentAt int64
	Target crypto.MessageID
}

func (Reply) Type() Type    { return TypeReply }
func (Reaction) Type() Type { return TypeReaction }
func (Edit) Type() Type     { return TypeEdit }
func (Delete) Type() Type   { return TypeDelete }

// isMessageOp reports whether m is one of the records above, by value.
func isMessageOp(m Message) bool {
	switch m.(type) {
	case Reply, Reaction, Edit, Delete:
		return true
	}
	return false
}

func validateMessageOp(m Message) error {
	switch v := m.(type) {
	case Reply:
		return checkOp(v.SentAt, "body", v.Body, MaxBody)
	case Reaction:
		return checkOp(v.SentAt, "emoji", v.Emoji, MaxEmoji)
	case Edit:
		if err := checkOp(v.SentAt, "body", v.Body, MaxBody); err != nil {
			return err
		}
		if v.Body == "" {
			return fmt.Errorf("edit body is empty: %w", ErrOverLimit)
		}
	case Delete:
		return checkOp(v.SentAt, "", "", 0)
	}
	return nil
}

func checkOp(sentAt int64, field, s string, limit int) error {
	if sentAt < 0 {
		return fmt.Errorf("sent_at %d is negative: %w", sentAt, ErrOverLimit)
	}
	if field == "" {
		return nil
	}
	return checkString(field, s, limit)
}

// appendMessageOp encodes an already validated record body:
// id(16) ‖ sent_at(u64) ‖ target(16) ‖ then a str16 body, a str8 emoji or
// nothing (Delete).
func appendMessageOp(b []byte, m Message) []byte {
	head := func(id crypto.MessageID, at int64, target crypto.MessageID) []byte {
		b = append(b, id[:]...)
		b = binary.BigEndian.AppendUint64(b, uint64(at))
		return append(b, target[:]...)
	}
	switch v := m.(type) {
	case Reply:
		b = appendStr16(head(v.ID, v.SentAt, v.ReplyTo), v.Body)
	case Reaction:
		b = appendStr8(head(v.ID, v.SentAt, v.Target), v.Emoji)
	case Edit:
		b = appendStr16(head(v.ID, v.SentAt, v.Target), v.Body)
	case Delete:
		b = head(v.ID, v.SentAt, v.Target)
	}
	return b
}

// decodeMessageOp decodes the records above; ok is false for other types.
func decodeMessageOp(t Type, s *cryptobyte.String) (m Message, ok bool, err error) {
	if t < TypeReply || t > TypeDelete {
		return nil, false, nil
	}
	var id, target crypto.MessageID
	var at uint64
	if !s.CopyBytes(id[:]) || !s.ReadUint64(&at) || !s.CopyBytes(target[:]) {
		return nil, true, ErrTruncated
	}
	if int64(at) < 0 {
		return nil, true, fmt.Errorf("sent_at: %w", ErrOverLimit)
	}
	sentAt := int64(at)
	switch t {
	case TypeReply:
		body, err := readStr16(s, MaxBody, "body")
		return Reply{ID: id, SentAt: sentAt, ReplyTo: target, Body: body}, true, err
	case TypeReaction:
		emoji, err := readStr8(s, MaxEmoji, "emoji")
		return Reaction{ID: id, SentAt: sentAt, Target: target, Emoji: emoji}, true, err
	case TypeEdit:
		body, err := readStr16(s, MaxBody, "body")
		if err == nil && body == "" {
			err = fmt.Errorf("edit body is empty: %w", ErrOverLimit)
		}
		return Edit{ID: id, SentAt: sentAt, Target: target, Body: body}, true, err
	}
	return Delete{ID: id, SentAt: sentAt, Target: target}, true, nil
}
