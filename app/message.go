package app

import (
	"encoding/hex"
	"errors"
	"time"

	"jarvis/crypto"
	"jarvis/store"
)

// MessageID is a random 128-bit message identifier, the same on both ends.
type MessageID [16]byte

// String returns the 32-character hex form.
func (id MessageID) String() string { return hex.EncodeToString(id[:]) }

// ParseMessageID parses the hex form.
func ParseMessageID(s string) (MessageID, error) {
	var id MessageID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, errors.New("not a message ID")
	}
	copy(id[:], b)
	return id, nil
}

// MessageState is where a message stands. Outgoing messages move forward
// through queued, sent, delivered and read; incoming ones are unread or seen.
type MessageState uint8

// Message states; the values match the store's.
const (
	StateQueued    = MessageState(store.StateQueued)
	StateSent      = MessageState(store.StateSent)
	StateDelivered = MessageState(store.StateDelivered)
	StateRead      = MessageState(store.StateRead)
	StateFailed    = MessageState(store.StateFailed)
	StateUnread    = MessageState(store.StateUnread)
	StateSeen      = MessageState(store.StateSeen)
)

// String names the state as the headless protocol and the store do.
func (s MessageState) String() string { return store.MessageState(s).String() }

// Message is one 1:1 message.
type Message struct {
	ID       MessageID
	Contact  crypto.ID
	Outgoing bool
	Text     string
	SentAt   time.Time // the author's clock
	At       time.Time // when this device stored it
	State    MessageState
	Cursor   int64 // pass as History's before to page further back
}

func messageFromStore(m store.Message) Message {
	return Message{
		ID:       MessageID(m.ID),
		Contact:  m.Contact,
		Outgoing: m.Outgoing,
		Text:     m.Text,
		SentAt:   m.SentAt,
		At:       m.StoredAt,
		State:    MessageState(m.State),
		Cursor:   m.Seq,
	}
}
