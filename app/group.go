package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"jarvis/crypto"
	"jarvis/store"
)

// Errors group commands return; each says what to do next.
var (
	ErrUnknownGroup  = errors.New("no such group; check the name or ID")
	ErrNotGroupAdmin = errors.New("only an admin of the group can do that")
	ErrNotGroupOwner = errors.New("only the group's owner can change roles")
	ErrNotInGroup    = errors.New("you are not a member of that group")
	ErrNoInvite      = errors.New("there is no pending invite to that group")
	ErrUnknownMember = errors.New("no such member in that group; check the name or ID")
	ErrAlreadyMember = errors.New("that person is already a member")
	ErrGroupFull     = errors.New("the group is full")
	ErrOwnerStays    = errors.New("the owner cannot be removed or demoted")
)

// GroupState says where this device stands in a group. It is the store's
// type, named here so that frontends need not import store.
type GroupState = store.GroupState

// Group states.
const (
	GroupInvited = store.GroupInvited
	GroupActive  = store.GroupActive
	GroupLeft    = store.GroupLeft
)

// GroupMember is one member as the frontends see them.
type GroupMember struct {
	ID   crypto.ID
	Name string // from the roster: set by the inviting admin, then only by the member
	// Display is Name, followed by the short ID when another member has
	// the same name: what to show wherever members are told apart.
	Display string
	Role    crypto.Role
	Online  bool // a session is up (always true for Self)
	Self    bool
}

// Group is a group as the frontends see it.
type Group struct {
	ID           crypto.GroupID
	Name         string
	Description  string
	Version      uint64
	State        GroupState
	MyRole       crypto.Role // 0 when not a member
	Members      []GroupMember
	Online       int // other members with a live session
	Unread       int
	InvitedBy    crypto.ID // for invites
	LastActivity time.Time
}

// groupLocal is this device's sealed bookkeeping for a group.
type groupLocal struct {
	InvitedBy crypto.ID   `json:"invited_by"`
	Pending   []crypto.ID `json:"pending"` // people we invited who have not synced yet
	Declined  bool        `json:"declined"`
	Nick      string      `json:"nick,omitempty"` // our name here, set with SetMyGroupName; "" for our account name
}

func (l groupLocal) marshal() []byte {
	b, _ := json.Marshal(l) // plain data: cannot fail
	return b
}

func parseLocal(b []byte) groupLocal {
	var l groupLocal
	_ = json.Unmarshal(b, &l) // a damaged blob only loses bookkeeping
	return l
}

// view turns manager state into what frontends see.
func (m *groupManager) view(ctx context.Context, g *group) Group {
	r := g.roster
	names := m.shownNames(g)
	out := Group{
		ID: g.row.ID, Name: r.Name, Description: r.Description, Version: r.Version,
		State: g.row.State, InvitedBy: g.local.InvitedBy, LastActivity: g.row.LastActivity,
	}
	for _, rm := range r.Members {
		id := rm.Keys.ID()
		gm := GroupMember{ID: id, Name: rm.Name, Display: names[id], Role: rm.Role, Self: id == m.self}
		gm.Online = gm.Self || m.online(id)
		if gm.Self && g.row.State == store.GroupActive {
			out.MyRole = rm.Role
		}
		if !gm.Self && gm.Online {
			out.Online++
		}
		out.Members = append(out.Members, gm)
	}
	if n, err := m.store.UnreadCount(ctx, GroupChat(g.row.ID)); err == nil {
		out.Unread = n
	}
	return out
}
