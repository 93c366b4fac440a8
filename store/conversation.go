package store

import (
	"context"
	"fmt"
	"math"

	"jarvis/crypto"
)

// ConversationID names one conversation: a chat with a contact or a
// group. It is comparable, so it can key a map. The app package re-exports
// it; the store owns it because History, MarkSeen and UnreadCount take it.
type ConversationID struct {
	group bool
	id    [crypto.IDSize]byte // a crypto.ID, or a crypto.GroupID zero-padded
}

// ContactChat is the conversation with one contact.
func ContactChat(id crypto.ID) ConversationID { return ConversationID{id: id} }

// GroupChat is the conversation of a group.
func GroupChat(id crypto.GroupID) ConversationID {
	c := ConversationID{group: true}
	copy(c.id[:], id[:])
	return c
}

// IsGroup reports whether c is a group's conversation.
func (c ConversationID) IsGroup() bool { return c.group }

// Contact returns the contact of a chat, or the zero ID.
func (c ConversationID) Contact() crypto.ID {
	if c.group {
		return crypto.ID{}
	}
	return crypto.ID(c.id)
}

// Group returns the group of a group conversation, or the zero ID.
func (c ConversationID) Group() crypto.GroupID {
	var g crypto.GroupID
	if c.group {
		copy(g[:], c.id[:])
	}
	return g
}

// String is the contact's or the group's ID in its usual text form.
func (c ConversationID) String() string {
	if c.group {
		return c.Group().String()
	}
	return c.Contact().String()
}

// Chats (table messages) and groups (table group_messages) keep their rows
// apart: a group row also holds the signed record members relay, and its
// key is (group, author, sequence number). The operations below are the
// same for both kinds, and policy.go holds the write policies both share.

// History returns the conversation's newest limit (at most MaxPage)
// messages with Seq < before (0 = from the newest), in the order this
// device stored them. To page back, pass the first returned Seq as the
// next before. A group's messages that cannot be read here (no key yet, or
// from before we joined) are left out.
func (s *Store) History(ctx context.Context, conv ConversationID, before int64, limit int) ([]Message, error) {
	if !conv.IsGroup() {
		return s.chatHistory(ctx, conv.Contact(), before, limit)
	}
	rows, err := s.groupHistory(ctx, conv.Group(), before, limit)
	if err != nil {
		return nil, err
	}
	return groupPage(rows), nil
}

// MarkSeen marks the conversation's unread messages seen. For a chat it
// returns their IDs, which need a read receipt (then ReceiptsSent); groups
// send no receipts.
func (s *Store) MarkSeen(ctx context.Context, conv ConversationID) ([]crypto.MessageID, error) {
	return s.MarkSeenUpTo(ctx, conv, math.MaxInt64)
}

// MarkSeenUpTo is MarkSeen for the unread messages up to and including
// the one at cursor upTo (a Message's Seq): those the user has had on
// screen, and no later one.
func (s *Store) MarkSeenUpTo(ctx context.Context, conv ConversationID, upTo int64) ([]crypto.MessageID, error) {
	if !conv.IsGroup() {
		return s.markChatSeen(ctx, conv.Contact(), upTo)
	}
	return nil, s.markGroupSeen(ctx, conv.Group(), upTo)
}

// UnreadCount reports the conversation's unread incoming messages.
func (s *Store) UnreadCount(ctx context.Context, conv ConversationID) (int, error) {
	q, key := unreadQuery, any(conv.Contact().String())
	if conv.IsGroup() {
		g := conv.Group()
		q, key = groupUnreadQuery, g[:]
	}
	var n int
	if err := s.r.QueryRowContext(ctx, q, key).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unread count: %w", err)
	}
	return n, nil
}
