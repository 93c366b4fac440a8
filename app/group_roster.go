package app

import (
	"bytes"
	"context"
	"fmt"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// handleInvite takes an invite from a contact: trust on first use of the
// roster it carries, because it arrives from a contact over an
// authenticated session and is signed by an admin listed in it.
func (m *groupManager) handleInvite(ctx context.Context, from crypto.ID, enc []byte) {
	r, err := crypto.ParseRoster(enc)
	if err != nil {
		m.log.Info("dropping malformed invite", "peer", from.Short())
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
		m.log.Info("dropping invite from a non-contact", "peer", from.Short())
		return
	}
	inviter, ok := r.Member(from)
	if _, me := r.Member(m.self); !ok || !me || !inviter.Role.Manages() || crypto.CheckGenesis(r) != nil {
		m.log.Info("dropping invite that does not hold", "peer", from.Short())
		return
	}
	invites := 0
	for _, g := range m.groups {
		if g.row.State == store.GroupInvited {
			invites++
		}
	}
	if invites >= maxGroupInvites {
		m.log.Warn("too many pending group invites; dropping one", "peer", from.Short())
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

func (g *group) withLocal() store.Group {
	g.row.Local = g.local.marshal()
	return g.row
}

// handleRoster considers a roster version from any peer; only a valid
// successor of what we hold (or the tie-break winner of our version) is
// applied.
func (m *groupManager) handleRoster(ctx context.Context, from crypto.ID, enc []byte) {
	r, err := crypto.ParseRoster(enc)
	if err != nil {
		return
	}
	g, ok := m.groups[r.Group]
	if !ok {
		return
	}
	cur := g.roster.Version
	switch {
	case r.Version == cur+1:
		if err := crypto.CheckTransition(g.roster, r); err != nil {
			m.log.Info("dropping roster change", "peer", from.Short(), "err", err)
			return
		}
		m.applyRoster(ctx, g, r, enc)
	case r.Version > cur+1:
		m.sendSync(ctx, g, from, false) // fetch the versions in between
	case r.Version == cur && r.Version > g.row.Joined:
		m.tieBreak(ctx, g, r, enc)
	}
}

// tieBreak settles two different rosters of the same version: every member
// keeps the one whose encoding has the smaller SHA-256, so all converge.
func (m *groupManager) tieBreak(ctx context.Context, g *group, r *crypto.Roster, enc []byte) {
	mine, err := crypto.MarshalRoster(g.roster)
	if err != nil || bytes.Equal(mine, enc) {
		return
	}
	a, b := crypto.RosterHash(enc), crypto.RosterHash(mine)
	if bytes.Compare(a[:], b[:]) >= 0 {
		return
	}
	prev, err := m.rosterAt(ctx, g, r.Version-1)
	if err != nil || crypto.CheckTransition(prev, r) != nil {
		return
	}
	g.roster = prev // apply as a change from the common predecessor
	g.row.Version = prev.Version
	m.applyRoster(ctx, g, r, enc)
}

// applyRoster stores and adopts a checked roster and reports the change.
func (m *groupManager) applyRoster(ctx context.Context, g *group, r *crypto.Roster, enc []byte) {
	if err := m.store.PutRoster(ctx, r.Group, r.Version, enc); err != nil {
		m.core.emit(Failure{Op: "save group roster", Err: err})
		return
	}
	prev := g.roster
	g.rosters[prev.Version] = prev
	g.roster = r
	g.row.Version = r.Version
	g.row.LastActivity = m.now()
	for _, id := range g.local.Pending {
		if _, ok := r.Member(id); !ok {
			g.local.Pending = removeID(g.local.Pending, id)
		}
	}
	_, stillIn := r.Member(m.self)
	if !stillIn && g.row.State != store.GroupLeft {
		g.row.State = store.GroupLeft
	}
	if err := m.saveRow(ctx, g); err != nil {
		return
	}
	m.publish() // before the events, so a frontend can resolve what they name
	for _, line := range rosterChanges(prev, r, m.self) {
		m.core.emit(GroupSystem{Group: r.Group, Text: line})
	}
	m.core.emit(GroupUpdated{Group: m.view(ctx, g)})
}

// rosterAt returns the roster of a version we hold.
func (m *groupManager) rosterAt(ctx context.Context, g *group, v uint64) (*crypto.Roster, error) {
	if v == g.roster.Version {
		return g.roster, nil
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
		if err == crypto.ErrRosterTooBig {
			return ErrGroupFull
		}
		return fmt.Errorf("sign roster: %w", err)
	}
	if err := crypto.CheckTransition(prev, next); err != nil {
		return fmt.Errorf("roster change refused: %w", err)
	}
	m.applyRoster(ctx, g, next, enc)
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

// rosterChanges describes what changed between two versions, for system
// lines in the conversation.
func rosterChanges(prev, next *crypto.Roster, self crypto.ID) []string {
	who := func(id crypto.ID) string {
		if id == self {
			return "you"
		}
		if rm, ok := next.Member(id); ok {
			return rm.Name
		}
		if rm, ok := prev.Member(id); ok {
			return rm.Name
		}
		return id.Short()
	}
	by := who(next.Signer)
	var out []string
	for _, pm := range prev.Members {
		id := pm.Keys.ID()
		nm, still := next.Member(id)
		switch {
		case !still && id == next.Signer:
			out = append(out, fmt.Sprintf("%s left", who(id)))
		case !still:
			out = append(out, fmt.Sprintf("%s removed %s", by, who(id)))
		case nm.Role != pm.Role:
			out = append(out, fmt.Sprintf("%s made %s %s", by, who(id), roleArticle(nm.Role)))
		}
	}
	for _, nm := range next.Members {
		if _, had := prev.Member(nm.Keys.ID()); !had {
			out = append(out, fmt.Sprintf("%s added %s", by, who(nm.Keys.ID())))
		}
	}
	if next.Name != prev.Name {
		out = append(out, fmt.Sprintf("%s renamed the group to %q", by, next.Name))
	}
	if next.Description != prev.Description {
		out = append(out, fmt.Sprintf("%s changed the description", by))
	}
	return out
}

func roleArticle(r crypto.Role) string {
	if r == crypto.RoleAdmin || r == crypto.RoleOwner {
		return "an " + r.String()
	}
	return "a " + r.String()
}
