package app

import (
	"context"
	"slices"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// sendSync tells a peer which roster version and which messages we hold.
func (m *groupManager) sendSync(ctx context.Context, g *group, to crypto.ID, reply bool) {
	s := wire.GroupSync{Group: g.row.ID, Version: g.roster.Version, Reply: reply}
	for author, seq := range g.contig {
		if seq > 0 && len(s.Vector) < wire.MaxSyncAuthors {
			s.Vector = append(s.Vector, wire.GroupSyncEntry{Author: author, Seq: seq})
		}
	}
	slices.SortFunc(s.Vector, func(a, b wire.GroupSyncEntry) int { return slices.Compare(a.Author[:], b.Author[:]) })
	m.send(ctx, to, s)
}

// handleSync answers a peer's GroupSync with what it lacks: newer rosters,
// the sender keys addressed to it, and messages past its vector. A sync
// that is not itself a reply, from a peer that holds more than we do, is
// answered with our own sync so the peer sends us the rest.
func (m *groupManager) handleSync(ctx context.Context, from crypto.ID, s wire.GroupSync) {
	g, ok := m.groups[s.Group]
	if !ok || g.row.State == store.GroupInvited {
		return
	}
	_, member := g.member(from)
	if !member || g.row.State == store.GroupLeft {
		// A former member (or we have left): only rosters, so everyone
		// learns who is in and who is out.
		if m.wasMember(ctx, g, from, s.Version) {
			m.sendRosters(ctx, g, from, s.Version)
		}
		return
	}
	if containsID(g.local.Pending, from) {
		g.local.Pending = removeID(g.local.Pending, from)
		m.saveRow(ctx, g)
	}
	m.sendRosters(ctx, g, from, s.Version)
	m.sendKeysFor(ctx, g, from)
	theirs := make(map[crypto.ID]uint64, len(s.Vector))
	ahead := s.Version > g.roster.Version
	for _, e := range s.Vector {
		theirs[e.Author] = e.Seq
		if _, known := g.member(e.Author); known && e.Seq > g.contig[e.Author] {
			ahead = true
		}
	}
	authors := make([]crypto.ID, 0, len(g.contig)+len(g.above))
	for a := range g.contig {
		authors = append(authors, a)
	}
	for a := range g.above {
		if _, ok := g.contig[a]; !ok {
			authors = append(authors, a)
		}
	}
	for _, a := range authors {
		if !m.sendRecords(ctx, g, from, a, theirs[a]) {
			break
		}
	}
	if ahead && !s.Reply {
		m.sendSync(ctx, g, from, true)
	}
}

// wasMember reports whether id is in the roster of version v (which the
// peer claims to hold) or in our current one.
func (m *groupManager) wasMember(ctx context.Context, g *group, id crypto.ID, v uint64) bool {
	if _, ok := g.member(id); ok {
		return true
	}
	if v == 0 || v > g.roster.Version {
		return false
	}
	r, err := m.rosterAt(ctx, g, v)
	if err != nil {
		return false
	}
	_, ok := r.Member(id)
	return ok
}

func (m *groupManager) sendRosters(ctx context.Context, g *group, to crypto.ID, after uint64) {
	if after >= g.roster.Version {
		return
	}
	if after < g.row.Joined {
		after = g.row.Joined - 1 // we hold nothing older
	}
	encs, err := m.store.Rosters(ctx, g.row.ID, after)
	if err != nil {
		m.core.emit(Failure{Op: "read group rosters", Err: err})
		return
	}
	for _, enc := range encs {
		if m.send(ctx, to, wire.GroupRoster{Roster: enc}) != nil {
			return
		}
	}
}

func (m *groupManager) sendKeysFor(ctx context.Context, g *group, to crypto.ID) {
	recs, err := m.store.SenderKeysFor(ctx, g.row.ID, to)
	if err != nil {
		m.core.emit(Failure{Op: "read sender keys", Err: err})
		return
	}
	if len(recs) == 0 {
		return
	}
	msgs := decodeRecords(recs)
	for chunk := range slices.Chunk(msgs, syncPage) {
		if m.send(ctx, to, chunk...) != nil {
			return
		}
	}
}

// sendRecords sends an author's stored messages past seq, in pages; false
// means the session is gone or full.
func (m *groupManager) sendRecords(ctx context.Context, g *group, to, author crypto.ID, after uint64) bool {
	for {
		page, err := m.store.GroupRecords(ctx, g.row.ID, author, after, syncPage)
		if err != nil {
			m.core.emit(Failure{Op: "read group messages", Err: err})
			return false
		}
		if len(page) == 0 {
			return true
		}
		recs := make([][]byte, len(page))
		for i, p := range page {
			recs[i] = p.Record
		}
		if m.send(ctx, to, decodeRecords(recs)...) != nil {
			return false
		}
		if len(page) < syncPage {
			return true
		}
		after = page[len(page)-1].AuthorSeq
	}
}

// decodeRecords turns stored single-record encodings back into messages.
func decodeRecords(recs [][]byte) []wire.Message {
	out := make([]wire.Message, 0, len(recs))
	for _, r := range recs {
		if msgs, err := wire.DecodeAll(r); err == nil && len(msgs) == 1 {
			out = append(out, msgs[0])
		}
	}
	return out
}
