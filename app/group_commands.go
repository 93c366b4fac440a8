package app

import (
	"context"
	"crypto/rand"
	"slices"
	"time"

	"jarvis/crypto"
	"jarvis/store"
)

// doGroup runs fn on the group manager and waits for its answer. The
// names snapshot is republished before the answer, so a caller that
// created or renamed a group can resolve it at once.
func (c *Core) doGroup(ctx context.Context, fn func(ctx context.Context, m *groupManager) error) error {
	return call(ctx, c, c.groups.cmds, func(ctx context.Context, m *groupManager) error {
		err := fn(ctx, m)
		m.publish()
		return err
	})
}

// withGroup runs fn on a known group.
func (c *Core) withGroup(ctx context.Context, id crypto.GroupID, fn func(ctx context.Context, m *groupManager, g *group) error) error {
	return c.doGroup(ctx, func(ctx context.Context, m *groupManager) error {
		g, err := m.known(id)
		if err != nil {
			return err
		}
		return fn(ctx, m, g)
	})
}

// known returns a group the user can see: declined invites are hidden.
func (m *groupManager) known(id crypto.GroupID) (*group, error) {
	g, ok := m.groups[id]
	if !ok || g.local.Declined {
		return nil, ErrUnknownGroup
	}
	return g, nil
}

// markRead marks a group's messages seen and reports the new count.
func (m *groupManager) markRead(ctx context.Context, g *group, upTo int64) error {
	if _, err := m.store.MarkSeenUpTo(ctx, GroupChat(g.row.ID), upTo); err != nil {
		return err
	}
	m.core.emit(GroupUpdated{Group: m.view(ctx, g)})
	return nil
}

// CreateGroup makes a group with us as its owner and only member.
func (c *Core) CreateGroup(ctx context.Context, name, description string) (Group, error) {
	if err := crypto.ValidateName(name); err != nil {
		return Group{}, err
	}
	if err := crypto.ValidateText(description, crypto.MaxDescription); err != nil {
		return Group{}, err
	}
	var out Group
	err := c.doGroup(ctx, func(ctx context.Context, m *groupManager) error {
		r := &crypto.Roster{Version: 1, Name: name, Description: description, Members: []crypto.RosterMember{{
			Keys: m.core.self.Keys, Name: m.core.self.Name, Addrs: capAddrs(m.core.Self().Addrs), Role: crypto.RoleOwner,
		}}}
		rand.Read(r.Group[:])
		enc, err := crypto.SignRoster(r, m.id)
		if err != nil {
			return err
		}
		now := m.now()
		g := newGroupState(store.Group{ID: r.Group, State: store.GroupActive, Version: 1, Joined: 1,
			CreatedAt: now, LastActivity: now}, r)
		if err := m.store.PutGroup(ctx, g.withLocal()); err != nil {
			return err
		}
		if err := m.store.PutRoster(ctx, r.Group, 1, enc); err != nil {
			return err
		}
		m.groups[r.Group] = g
		out = m.view(ctx, g)
		m.publish() // before the event, so a frontend can read its history
		m.core.emit(GroupUpdated{Group: out})
		return nil
	})
	if err != nil {
		// out may still be written by the manager: the wait gave up.
		return Group{}, err
	}
	return out, nil
}

func capAddrs(a []string) []string {
	if len(a) > crypto.MaxAddrs {
		a = a[:crypto.MaxAddrs]
	}
	return slices.Clone(a)
}

// Invite adds a contact to a group (we must be an admin) and sends them an
// invite, now or when they are next online.
func (c *Core) Invite(ctx context.Context, id crypto.GroupID, contact crypto.ID) error {
	return c.withGroup(ctx, id, func(ctx context.Context, m *groupManager, g *group) error {
		ct, err := m.store.Contact(ctx, contact)
		if err != nil || ct.State != store.ContactAccepted {
			return ErrUnknownContact
		}
		if _, ok := g.member(contact); ok {
			return ErrAlreadyMember
		}
		if me, _ := g.member(m.self); !me.Role.Manages() {
			return ErrNotGroupAdmin
		}
		name := ct.Name
		if crypto.ValidateName(name) != nil {
			name = contact.Short()
		}
		err = m.changeRoster(ctx, g, func(r *crypto.Roster) error {
			if len(r.Members) >= crypto.MaxGroupMembers {
				return ErrGroupFull
			}
			r.Members = append(r.Members, crypto.RosterMember{Keys: ct.Keys, Name: name, Addrs: capAddrs(ct.Addrs), Role: crypto.RoleMember})
			return nil
		})
		if err != nil {
			return err
		}
		g.local.Pending = append(g.local.Pending, contact)
		m.saveRow(ctx, g)
		m.sendInvite(ctx, g, contact)
		return nil
	})
}

// AcceptInvite joins a group we were invited to.
func (c *Core) AcceptInvite(ctx context.Context, id crypto.GroupID) error {
	return c.withGroup(ctx, id, func(ctx context.Context, m *groupManager, g *group) error {
		if g.row.State != store.GroupInvited {
			return ErrNoInvite
		}
		g.row.State = store.GroupActive
		if err := m.saveRow(ctx, g); err != nil {
			g.row.State = store.GroupInvited
			return err
		}
		for _, rm := range g.roster.Members {
			if id := rm.Keys.ID(); id != m.self && m.online(id) {
				m.sendSync(ctx, g, id, false)
			}
		}
		m.keepOwnName(ctx, g) // the inviter wrote our name; we sign our own
		m.core.emit(GroupUpdated{Group: m.view(ctx, g)})
		return nil
	})
}

// setOwnName edits our own roster entry to carry name: a change any
// member may sign (crypto.CheckTransition), and none when it is already so.
func setOwnName(self crypto.ID, name string) func(*crypto.Roster) error {
	return func(r *crypto.Roster) error {
		for i := range r.Members {
			if r.Members[i].Keys.ID() == self {
				r.Members[i].Name = name
			}
		}
		return nil
	}
}

// DeclineInvite refuses an invite: we remove ourselves from the roster
// (so the inviter stops asking) and hide the group.
func (c *Core) DeclineInvite(ctx context.Context, id crypto.GroupID) error {
	return c.withGroup(ctx, id, func(ctx context.Context, m *groupManager, g *group) error {
		if g.row.State != store.GroupInvited {
			return ErrNoInvite
		}
		g.row.State = store.GroupActive // changeRoster signs as a member
		if err := m.changeRoster(ctx, g, removeSelf(m.self)); err != nil {
			g.row.State = store.GroupInvited
			return err
		}
		g.local.Declined = true
		m.saveRow(ctx, g)
		m.core.emit(GroupRemoved{ID: id})
		return nil
	})
}

func removeSelf(self crypto.ID) func(*crypto.Roster) error {
	return func(r *crypto.Roster) error {
		r.Members = slices.DeleteFunc(r.Members, func(rm crypto.RosterMember) bool { return rm.Keys.ID() == self })
		return nil
	}
}

// Leave removes us from a group; its history stays until DeleteGroup.
func (c *Core) Leave(ctx context.Context, id crypto.GroupID) error {
	return c.withGroup(ctx, id, func(ctx context.Context, m *groupManager, g *group) error {
		return m.changeRoster(ctx, g, removeSelf(m.self))
	})
}

// Kick removes a member (admins remove members; the owner also admins).
func (c *Core) Kick(ctx context.Context, id crypto.GroupID, member crypto.ID) error {
	return c.editMember(ctx, id, member, func(r *crypto.Roster, me, them crypto.RosterMember) error {
		switch {
		case !me.Role.Manages():
			return ErrNotGroupAdmin
		case them.Role == crypto.RoleOwner:
			return ErrOwnerStays
		case them.Role == crypto.RoleAdmin && me.Role != crypto.RoleOwner:
			return ErrNotGroupOwner
		}
		r.Members = slices.DeleteFunc(r.Members, func(rm crypto.RosterMember) bool { return rm.Keys == them.Keys })
		return nil
	})
}

// Promote makes a member an admin (owner only).
func (c *Core) Promote(ctx context.Context, id crypto.GroupID, member crypto.ID) error {
	return c.setRole(ctx, id, member, crypto.RoleAdmin)
}

// Demote makes an admin a plain member (owner only).
func (c *Core) Demote(ctx context.Context, id crypto.GroupID, member crypto.ID) error {
	return c.setRole(ctx, id, member, crypto.RoleMember)
}

func (c *Core) setRole(ctx context.Context, id crypto.GroupID, member crypto.ID, role crypto.Role) error {
	return c.editMember(ctx, id, member, func(r *crypto.Roster, me, them crypto.RosterMember) error {
		switch {
		case me.Role != crypto.RoleOwner:
			return ErrNotGroupOwner
		case them.Role == crypto.RoleOwner:
			return ErrOwnerStays
		}
		for i := range r.Members {
			if r.Members[i].Keys == them.Keys {
				r.Members[i].Role = role
			}
		}
		return nil
	})
}

func (c *Core) editMember(ctx context.Context, id crypto.GroupID, member crypto.ID, edit func(r *crypto.Roster, me, them crypto.RosterMember) error) error {
	return c.withGroup(ctx, id, func(ctx context.Context, m *groupManager, g *group) error {
		me, ok := g.member(m.self)
		if !ok || g.row.State != store.GroupActive {
			return ErrNotInGroup
		}
		them, ok := g.member(member)
		if !ok {
			return ErrUnknownMember
		}
		return m.changeRoster(ctx, g, func(r *crypto.Roster) error { return edit(r, me, them) })
	})
}

// SetGroupInfo renames the group and sets its description (admins).
func (c *Core) SetGroupInfo(ctx context.Context, id crypto.GroupID, name, description string) error {
	if err := crypto.ValidateName(name); err != nil {
		return err
	}
	if err := crypto.ValidateText(description, crypto.MaxDescription); err != nil {
		return err
	}
	return c.withGroup(ctx, id, func(ctx context.Context, m *groupManager, g *group) error {
		if me, _ := g.member(m.self); !me.Role.Manages() {
			return ErrNotGroupAdmin
		}
		return m.changeRoster(ctx, g, func(r *crypto.Roster) error {
			r.Name, r.Description = name, description
			return nil
		})
	})
}

// DeleteGroup leaves the group if we are still in it, then removes it and
// its history from this device.
func (c *Core) DeleteGroup(ctx context.Context, id crypto.GroupID) error {
	return c.withGroup(ctx, id, func(ctx context.Context, m *groupManager, g *group) error {
		if g.row.State == store.GroupActive {
			m.changeRoster(ctx, g, removeSelf(m.self)) // best effort: reaches who is online
		}
		if err := m.store.DeleteGroup(ctx, id); err != nil {
			return err
		}
		delete(m.groups, id)
		m.core.emit(GroupRemoved{ID: id})
		return nil
	})
}

// Groups lists groups and invites, latest activity first.
func (c *Core) Groups(ctx context.Context) ([]Group, error) {
	var out []Group
	err := c.doGroup(ctx, func(ctx context.Context, m *groupManager) error {
		for _, g := range m.groups {
			if !g.local.Declined {
				out = append(out, m.view(ctx, g))
			}
		}
		sortLatestFirst(out, func(g Group) (time.Time, string) { return g.LastActivity, g.ID.String() })
		return nil
	})
	if err != nil {
		// out may still be written by the manager: the wait gave up.
		return nil, err
	}
	return out, nil
}

// Group returns one group.
func (c *Core) Group(ctx context.Context, id crypto.GroupID) (Group, error) {
	var out Group
	err := c.withGroup(ctx, id, func(ctx context.Context, m *groupManager, g *group) error {
		out = m.view(ctx, g)
		return nil
	})
	if err != nil {
		// out may still be written by the manager: the wait gave up.
		return Group{}, err
	}
	return out, nil
}

// SetMyGroupName sets the name the group's members see for us, and our
// current addresses. Only we can: the roster rules refuse a change to a
// member's name or addresses signed by anyone else.
func (c *Core) SetMyGroupName(ctx context.Context, id crypto.GroupID, name string) error {
	if err := crypto.ValidateName(name); err != nil {
		return err
	}
	return c.withGroup(ctx, id, func(ctx context.Context, m *groupManager, g *group) error {
		// Kept in the group's local state, written with the roster, so
		// keepOwnName holds this name rather than our account name.
		prev := g.local.Nick
		g.local.Nick = name
		err := m.changeRoster(ctx, g, func(r *crypto.Roster) error {
			for i := range r.Members {
				if r.Members[i].Keys.ID() == m.self {
					r.Members[i].Name, r.Members[i].Addrs = name, capAddrs(m.core.Self().Addrs)
				}
			}
			return nil
		})
		if err != nil {
			g.local.Nick = prev
		}
		return err
	})
}
