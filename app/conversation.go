package app

import "jarvis/crypto"

// ConversationID names one conversation: a 1:1 chat with a contact or a
// group. It is comparable, so frontends key their state by it.
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

// Contact returns the contact of a 1:1 conversation, or the zero ID.
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
