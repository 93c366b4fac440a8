package app

import (
	"bytes"
	"context"
	"fmt"

	"jarvis/crypto"
	"jarvis/store"
)

// maxForkRosters caps the versions we hand a peer on a losing fork at
// once; it asks for the rest with a sync after switching.
const maxForkRosters = 16

// considerFork settles a roster r of a version we already hold that may
// differ from ours. Both must follow the same version v−1; then
// crypto.CompareForks picks the winner. If ours wins, the peer gets our
// versions so it switches; if r wins, we switch (switchFork). If r does
// not follow our v−1, the histories split earlier: we ask the peer for its
// copy of v−1, and walk back one version per answer, no further than the
// version we joined at. After a switch we ask for v−1 too.
func (m *groupManager) considerFork(ctx context.Context, g *group, from crypto.ID, r *crypto.Roster, enc []byte) {
	v := r.Version
	mine, err := m.rosterAt(ctx, g, v)
	if err != nil {
		return
	}
	mineEnc, err := crypto.MarshalRoster(mine)
	if err != nil || bytes.Equal(mineEnc, enc) {
		return
	}
	base, err := m.rosterAt(ctx, g, v-1)
	if err != nil {
		return
	}
	if err := crypto.CheckTransition(base, r); err != nil {
		m.log.Info("dropping rival roster", "peer", from, "err", err)
		if signedByMember(base, r) && v-1 > g.row.Joined {
			m.askFork(ctx, g, from, v-1)
		}
		return
	}
	if crypto.CompareForks(base, r, mine, enc, mineEnc) >= 0 {
		ours := m.rostersAfter(ctx, g, v-1)
		m.send(ctx, from, ours[:min(len(ours), maxForkRosters)]...)
		return
	}
	m.switchFork(ctx, g, base, r, enc)
	// r follows our v−1, but the peer's v−1 may differ from ours all the
	// same (rosters carry no link to their predecessor). Its answer starts
	// with its copy of v−1, so a split further back is settled too, and
	// brings the versions built on the winner.
	m.askFork(ctx, g, from, v-1)
}

// askFork asks a peer for its copy of roster version v and what follows,
// but not for the same v twice in a row in one session: if its copy of v
// is ours and still its next version does not follow (a peer with other
// rules, or a liar), asking again would bring the same answer for ever.
func (m *groupManager) askFork(ctx context.Context, g *group, from crypto.ID, v uint64) {
	k := syncKey{from, g.row.ID}
	if last, ok := m.asked[k]; ok && last == v {
		return
	}
	m.asked[k] = v
	m.send(ctx, from, m.syncAt(g, v, false))
}

// switchFork rewinds to base, drops our versions from r.Version on (they
// were built on the losing fork) and adopts r. Our own sending chain of a
// dropped version is never used again: its key went to the losing
// version's members, who may not be members now.
func (m *groupManager) switchFork(ctx context.Context, g *group, base, r *crypto.Roster, enc []byte) {
	seen := g.roster
	lost, err := m.rosterAt(ctx, g, r.Version)
	if err != nil {
		return
	}
	leftByUs := m.droppedOwnLeave(ctx, g, r.Version)
	stored := g.row
	for v := range g.rosters {
		if v >= r.Version {
			delete(g.rosters, v)
		}
	}
	g.roster, g.row.Version = base, base.Version
	if g.send != nil && g.sendEpoch >= r.Version {
		g.send = nil
	}
	if _, in := r.Member(m.self); in && g.row.State == store.GroupLeft {
		g.row.State = store.GroupActive
	}
	m.log.Info("switched to the winning roster fork", "version", r.Version)
	lines := append([]string{forkLine(base, r, lost, m.self)}, rosterChanges(seen, r, m.self)...)
	if !m.applyRoster(ctx, g, r, enc, lines) { // the store drops the losing versions with it
		g.row = stored
		m.reload(ctx, g) // memory back to what the disk holds
		return
	}
	if _, in := r.Member(m.self); in && leftByUs && g.row.State == store.GroupActive {
		m.changeRoster(ctx, g, removeSelf(m.self)) // we left; the fork that said so lost
	}
}

// droppedOwnLeave reports whether one of our versions from v on is our
// own leave, which a fork switch would otherwise undo.
func (m *groupManager) droppedOwnLeave(ctx context.Context, g *group, v uint64) bool {
	for ; v <= g.roster.Version; v++ {
		r, err := m.rosterAt(ctx, g, v)
		if err != nil {
			return false
		}
		if _, in := r.Member(m.self); r.Signer == m.self && !in {
			return true
		}
	}
	return false
}

// forkLine tells the user that two changes crossed and which one stands.
func forkLine(base, won, lost *crypto.Roster, self crypto.ID) string {
	names := displayNames(base, won, lost)
	who := func(id crypto.ID) string {
		if id == self {
			return "your"
		}
		return names[id] + "'s"
	}
	return fmt.Sprintf("Two changes to the group crossed: %s change stands, %s was undone", who(won.Signer), who(lost.Signer))
}
