package app

import (
	"time"

	"jarvis/crypto"
	"jarvis/store"
)

// ContactState says how far a contact relationship has come.
type ContactState uint8

// Contact states.
const (
	// ContactPendingOut: we sent a request and wait for an answer.
	ContactPendingOut ContactState = iota + 1
	// ContactPendingIn: they asked us; we have not answered.
	ContactPendingIn
	// ContactAccepted: both sides agreed; messages flow.
	ContactAccepted
)

func (s ContactState) String() string {
	switch s {
	case ContactPendingOut:
		return "pending_out"
	case ContactPendingIn:
		return "pending_in"
	case ContactAccepted:
		return "accepted"
	}
	return "unknown"
}

// Contact is a person as the frontends see them.
type Contact struct {
	ID           crypto.ID
	Name         string
	Keys         crypto.PublicIdentity
	Addrs        []string
	State        ContactState
	Verified     bool
	Online       bool
	Unread       int
	LastActivity time.Time
	SafetyNumber string
}

// contactFromStore makes the frontend's view of c; safety is the pair's
// safety number, which callers compute (and may cache).
func contactFromStore(c store.Contact, safety string) Contact {
	return Contact{
		ID:           c.ID,
		Name:         c.Name,
		Keys:         c.Keys,
		Addrs:        append([]string(nil), c.Addrs...),
		State:        ContactState(c.State),
		Verified:     c.Verified,
		LastActivity: c.LastActivity,
		SafetyNumber: safety,
	}
}
