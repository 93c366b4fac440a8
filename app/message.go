package app

import (
	"strings"
	"time"
	"unicode/utf8"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// MessageState is where a message stands. Outgoing messages move forward
// through queued, sent, delivered and read; incoming ones are unread or seen.
// It is the store's type, named here so that frontends need not import store.
type MessageState = store.MessageState

// Message states.
const (
	StateQueued    = store.StateQueued
	StateSent      = store.StateSent
	StateDelivered = store.StateDelivered
	StateRead      = store.StateRead
	StateFailed    = store.StateFailed
	StateUnread    = store.StateUnread
	StateSeen      = store.StateSeen
)

// Message is one message of any conversation, a 1:1 chat or a group.
type Message struct {
	ID           crypto.MessageID
	Conversation ConversationID
	Author       crypto.ID // our own ID when Outgoing
	AuthorName   string    // the contact's or roster name; "" for our own
	Outgoing     bool
	Text         string
	SentAt       time.Time // the author's clock
	At           time.Time // when this device stored it
	// State is queued, sent, delivered, read or failed for our own
	// messages (a group message goes no further than sent), unread or seen
	// for others'.
	State  MessageState
	Cursor int64 // pass as History's before to page further back
	// System marks a group's line about a roster change (who joined,
	// left, was renamed...): Text is the line, Author is zero.
	System bool
	// ReplyTo is the message this one answers (zero for none); Quote is
	// that message as far as this device has it (nil if not stored).
	ReplyTo crypto.MessageID
	Quote   *Quote
	// EditedAt is the author's clock of the edit that gave Text, zero if
	// never edited. Deleted: Text was taken back (and is empty).
	EditedAt  time.Time
	Deleted   bool
	Reactions []Reaction
	// DeliveredAt and ReadAt are when this device learned that our chat
	// message was stored and read by the contact; zero until then, and in
	// groups, which have no receipts.
	DeliveredAt, ReadAt time.Time
}

// Quote is the start of a replied-to message, as a reply shows it.
type Quote struct {
	Author     crypto.ID
	AuthorName string
	Text       string // at most QuoteLen runes
	Deleted    bool
}

// QuoteLen bounds the text of a Quote.
const QuoteLen = 80

// Reaction is one participant's reaction to a message.
type Reaction struct {
	From  crypto.ID // our own ID for ours
	Emoji string
	At    time.Time // the reactor's clock
}

// checkText refuses what no conversation accepts, before any actor sees it.
func checkText(text string) error {
	if strings.TrimSpace(text) == "" {
		return ErrEmptyMessage
	}
	if len(text) > wire.MaxBody || !utf8.ValidString(text) {
		return ErrMessageTooLong
	}
	return nil
}

// messageFromStore turns a stored message of any conversation into the
// frontend's view; name is the author's (the contact's, or the roster's).
func messageFromStore(m store.Message, self crypto.ID, name string) Message {
	out := Message{
		ID:           m.ID,
		Conversation: ContactChat(m.Contact),
		Author:       m.Contact,
		AuthorName:   name,
		Outgoing:     m.Outgoing,
		Text:         m.Text,
		SentAt:       m.SentAt,
		At:           m.StoredAt,
		State:        m.State,
		Cursor:       m.Seq,
	}
	if m.Group != (crypto.GroupID{}) {
		out.Conversation, out.Author = GroupChat(m.Group), m.Author
		out.System = m.Author == store.SystemAuthor
	}
	if m.Outgoing {
		out.Author, out.AuthorName = self, ""
	}
	out.ReplyTo, out.EditedAt, out.Deleted = m.Target, m.EditedAt, m.Deleted != store.NotDeleted
	out.DeliveredAt, out.ReadAt = m.DeliveredAt, m.ReadAt
	return out
}
