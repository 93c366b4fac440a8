package app

import (
	"slices"
	"strings"
	"time"

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

// sortLatestFirst orders conversations by last activity, newest first,
// and by ID among equals, so every frontend lists them the same way.
func sortLatestFirst[T any](list []T, key func(T) (time.Time, string)) {
	slices.SortFunc(list, func(a, b T) int {
		at, aid := key(a)
		bt, bid := key(b)
		if c := bt.Compare(at); c != 0 {
			return c
		}
		return strings.Compare(aid, bid)
	})
}
