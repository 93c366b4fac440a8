package app

import (
	"time"

	"jarvis/crypto"
	"jarvis/store"
)

// ContactState says how far a contact relationship has come. It is the
// store's type, named here so that frontends need not import store.
type ContactState = store.ContactState

// Contact states.
const (
	// ContactPendingOut: we sent a request and wait for an answer.
	ContactPendingOut = store.ContactPendingOut
	// ContactPendingIn: they asked us; we have not answered.
	ContactPendingIn = store.ContactPendingIn
	// ContactAccepted: both sides agreed; messages flow.
	ContactAccepted = store.ContactAccepted
)

// Contact is a person as the frontends see them.
type Contact struct {
	ID           crypto.ID
	Name         string // as this user sees them: their label, or OwnName
	OwnName      string // the name they gave themselves
	Keys         crypto.PublicIdentity
	Addrs        []string
	State        ContactState
	Verified     bool
	Online       bool
	Path         string    // online: PathDirect, PathLAN or PathOnion
	Remote       string    // online: the address where it helps (see Presence)
	LastSeen     time.Time // offline: when its last session ended, zero if not since start
	Unread       int
	LastActivity time.Time
	SafetyNumber string
}

// shownName is the name this user sees for a contact: the label they
// gave with Rename, else the contact's own name. The label never leaves
// this device; rosters carry the own name.
func shownName(c *store.Contact) string {
	if c.Label != "" {
		return c.Label
	}
	return c.Name
}

// contactFromStore makes the frontend's view of c; safety is the pair's
// safety number, which callers compute (and may cache).
func contactFromStore(c store.Contact, safety string) Contact {
	return Contact{
		ID:           c.ID,
		Name:         shownName(&c),
		OwnName:      c.Name,
		Keys:         c.Keys,
		Addrs:        append([]string(nil), c.Addrs...),
		State:        c.State,
		Verified:     c.Verified,
		LastActivity: c.LastActivity,
		SafetyNumber: safety,
	}
}
