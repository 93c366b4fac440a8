package app

import (
	"jarvis/crypto"
	"jarvis/store"
)

// ConversationID names one conversation: a 1:1 chat with a contact or a
// group. It is comparable, so frontends key their state by it. The store
// owns the type (its History, MarkSeen and UnreadCount take it); app
// re-exports it so frontends need not import the store.
type ConversationID = store.ConversationID

// ContactChat is the conversation with one contact.
func ContactChat(id crypto.ID) ConversationID { return store.ContactChat(id) }

// GroupChat is the conversation of a group.
func GroupChat(id crypto.GroupID) ConversationID { return store.GroupChat(id) }
