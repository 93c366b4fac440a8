package app

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// logNonMember is logged (at debug level) for a roster or sync from
// someone who is not a member, which gets no answer at all.
const logNonMember = "ignoring group record from a non-member"

// maxInvitesPerInviter caps the pending invites one contact can leave, so
// one contact cannot fill every slot of maxGroupInvites.
const maxInvitesPerInviter = 10

// handleInvite takes an invite from a contact: trust on first use of the
// roster it carries, because it arrives from a contact over an
// authenticated session and is signed by an admin listed in it.
func (m *groupManager) handleInvite(ctx context.Context, from crypto.ID, enc []byte) {
	r, err := crypto.ParseRoster(enc)
	if err != nil {
		m.log.Info("dropping malformed invite", "peer", from)
		return
	}
	if g, ok := m.groups[r.Group]; ok {
		if g.row.State != store.GroupLeft || !g.local.Declined {
			m.handleRoster(ctx, from, enc)
		}
		return
	}
	c, err := m.store.Contact(ctx, from)
	if err != nil || c.State != store.ContactAccepted {
		m.log.Info("dropping invite from a non-contact", "peer", from)
		return
	}
	inviter, ok := r.Member(from)
	if _, me := r.Member(m.self); !ok || !me || !inviter.Role.Manages() || crypto.CheckGenesis(r) != nil {
		m.log.Info("dropping invite that does not hold", "peer", from)
		return
	}
	if !m.roomForInvite(from) {
		m.log.Warn("too many pending group invites; dropping one", "peer", from)
		return
	}
	now := m.now()
	g := newGroupState(store.Group{
		ID: r.Group, State: store.GroupInvited, Version: r.Version, Joined: r.Version,
		CreatedAt: now, LastActivity: now,
	}, r)
	g.local.InvitedBy = from
	if err := m.store.PutGroup(ctx, g.withLocal()); err != nil {
		m.core.emit(Failure{Op: "save group invite", Err: err})
		return
	}
	if err := m.store.PutRoster(ctx, r.Group, r.Version, enc); err != nil {
		m.core.emit(Failure{Op: "save group invite", Err: err})
		return
	}
	m.groups[r.Group] = g
	m.publish() // before the event, so a frontend can resolve what it names
	m.core.emit(GroupInvite{Group: m.view(ctx, g), From: from, FromName: inviter.Name})
}

// roomForInvite reports whether another invite from inviter fits: under
// the cap on all pending invites and under the cap for one inviter.
func (m *groupManager) roomForInvite(inviter crypto.ID) bool {
	all, theirs := 0, 0
	for _, g := range m.groups {
		if g.row.State == store.GroupInvited {
			all++
			if g.local.InvitedBy == inviter {
				theirs++
			}
		}
	}
	return all < maxGroupInvites && theirs < maxInvitesPerInviter
}

func (g *group) withLocal() store.Group {
	g.row.Local = g.local.marshal()
	return g.row
}

// handleRoster considers a roster version from a member. A valid successor
// of what we hold is applied; a rival of a version we hold is settled by
// the fork rule (considerFork); a version further ahead asks for a sync.
// Rosters from anyone else are dropped without a word: a stranger who
// knows a group ID must not make us send anything. Whatever version wins,
// we then make sure it carries our own name (keepOwnName).
func (m *groupManager) handleRoster(ctx context.Context, from crypto.ID, enc []byte) {
	id := m.takeRoster(ctx, from, enc)
	if g, ok := m.groups[id]; ok {
		m.keepOwnName(ctx, g)
	}
}

// keepOwnName signs a version that puts our own name back in our roster
// entry when it carries another: the name an inviter wrote (their label
// for us, from before labels were kept apart), or a rival version that
// beat our own correction. Members see the name we chose (our account
// name, or the one given with SetMyGroupName), signed by us.
func (m *groupManager) keepOwnName(ctx context.Context, g *group) {
	me, ok := g.member(m.self)
	name := g.local.Nick
	if name == "" {
		name = m.core.self.Name
	}
	if !ok || g.row.State != store.GroupActive || me.Name == name || crypto.ValidateName(name) != nil {
		return
	}
	if g.local.Nick == "" && m.nameIsOurs(ctx, g, me.Name) {
		// A /nick from before Nick was kept: remember it, never undo it.
		g.local.Nick = me.Name
		m.saveRow(ctx, g)
		return
	}
	if err := m.changeRoster(ctx, g, setOwnName(m.self, name)); err != nil {
		m.log.Info("could not put our own name in a group roster", "err", err)
	}
}

// nameIsOurs reports whether name, our entry in g's roster, was written by
// a version we signed: the version where it last changed, walking back
// through the versions we hold.
func (m *groupManager) nameIsOurs(ctx context.Context, g *group, name string) bool {
	for v := g.roster.Version; v > 1; v-- {
		r, err := m.rosterAt(ctx, g, v)
		if err != nil {
			return false
		}
		prev, err := m.rosterAt(ctx, g, v-1)
		if err != nil {
			return r.Signer == m.self // the oldest we hold set it
		}
		if pm, ok := prev.Member(m.self); !ok || pm.Name != name {
			return r.Signer == m.self
		}
	}
	return false
}

// takeRoster is handleRoster's first half; it returns the group the
// roster names.
func (m *groupManager) takeRoster(ctx context.Context, from crypto.ID, enc []byte) crypto.GroupID {
	r, err := crypto.ParseRoster(enc)
	if err != nil {
		return crypto.GroupID{}
	}
	g, ok := m.groups[r.Group]
	if !ok {
		return r.Group
	}
	if _, member := g.member(from); !member {
		m.log.Debug(logNonMember, "peer", from)
		return crypto.GroupID{}
	}
	cur := g.roster.Version
	switch {
	case r.Version == cur+1:
		err := crypto.CheckTransition(g.roster, r)
		if err == nil {
			m.applyRoster(ctx, g, r, enc, rosterChanges(g.roster, r, m.self))
			return r.Group
		}
		m.log.Info("dropping roster change", "peer", from, "err", err)
		if signedByMember(g.roster, r) && cur > g.row.Joined {
			// A member's valid-looking successor of a version we do not
			// hold: our histories split. Ask for its copy of ours.
			m.askFork(ctx, g, from, cur)
		}
	case r.Version > cur+1:
		m.sendSync(ctx, g, from, false) // fetch the versions in between
	case r.Version > g.row.Joined:
		m.considerFork(ctx, g, from, r, enc)
	}
	return r.Group
}

// signedByMember reports whether r carries a valid signature of a member
// of held: worth a round trip to find where two histories split.
func signedByMember(held, r *crypto.Roster) bool {
	sm, ok := held.Member(r.Signer)
	return ok && r.SignedBy(sm.Keys)
}

// applyRoster stores and adopts a checked roster, with the lines that
// describe the change, in one write; then it shows them. It reports
// whether the write succeeded.
func (m *groupManager) applyRoster(ctx context.Context, g *group, r *crypto.Roster, enc []byte, lines []string) bool {
	row, local := g.row, g.local
	local.Pending = slices.DeleteFunc(slices.Clone(local.Pending), func(id crypto.ID) bool {
		_, ok := r.Member(id)
		return !ok
	})
	row.Version, row.LastActivity, row.Local = r.Version, m.now(), local.marshal()
	if _, stillIn := r.Member(m.self); !stillIn {
		row.State = store.GroupLeft
	}
	stored, err := m.store.ApplyRoster(ctx, row, enc, lines, row.LastActivity)
	if err != nil {
		m.core.emit(Failure{Op: "save group roster", Err: err})
		return false
	}
	g.rosters[g.roster.Version] = g.roster
	g.roster, g.row, g.local = r, row, local
	m.members = true // who we hold may have changed
	m.publish()      // before the events, so a frontend can resolve what they name
	for _, line := range stored {
		m.core.emit(GroupSystem{Group: g.row.ID, Text: line.Text, ID: line.Message().ID, Cursor: line.Seq})
	}
	m.core.emit(GroupUpdated{Group: m.view(ctx, g)})
	return true
}

// rosterAt returns the roster of a version we hold.
func (m *groupManager) rosterAt(ctx context.Context, g *group, v uint64) (*crypto.Roster, error) {
	if v == g.roster.Version {
		return g.roster, nil
	}
	if v > g.roster.Version {
		return nil, fmt.Errorf("roster version %d: %w", v, store.ErrNotFound)
	}
	if r, ok := g.rosters[v]; ok {
		return r, nil
	}
	enc, err := m.store.Roster(ctx, g.row.ID, v)
	if err != nil {
		return nil, err
	}
	r, err := crypto.ParseRoster(enc)
	if err != nil {
		return nil, err
	}
	g.rosters[v] = r
	return r, nil
}

// changeRoster makes, signs, applies and sends our own next version.
func (m *groupManager) changeRoster(ctx context.Context, g *group, edit func(*crypto.Roster) error) error {
	if g.row.State != store.GroupActive {
		return ErrNotInGroup
	}
	prev := g.roster
	next := prev.Clone()
	next.Version++
	if err := edit(next); err != nil {
		return err
	}
	next.SortMembers()
	enc, err := crypto.SignRoster(next, m.id)
	if err != nil {
		if errors.Is(err, crypto.ErrRosterTooBig) {
			return ErrGroupFull
		}
		return fmt.Errorf("sign roster: %w", err)
	}
	if err := crypto.CheckTransition(prev, next); err != nil {
		if crypto.SameContent(prev, next) {
			return nil // nothing to change
		}
		return fmt.Errorf("roster change refused: %w", err)
	}
	m.applyRoster(ctx, g, next, enc, rosterChanges(prev, next, m.self))
	rec := wire.GroupRoster{Roster: enc}
	m.broadcast(ctx, next, rec)
	for _, rm := range prev.Members {
		if _, still := next.Member(rm.Keys.ID()); !still && rm.Keys.ID() != m.self {
			m.send(ctx, rm.Keys.ID(), rec) // tell the removed member
		}
	}
	return nil
}

func (m *groupManager) sendInvite(ctx context.Context, g *group, to crypto.ID) {
	enc, err := crypto.MarshalRoster(g.roster)
	if err == nil {
		m.send(ctx, to, wire.GroupInvite{Roster: enc})
	}
}
