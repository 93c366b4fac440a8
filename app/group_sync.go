package app

import (
	"context"
	"slices"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// syncMessage tells a peer which roster version and which messages we hold.
func (m *groupManager) syncMessage(g *group, reply bool) wire.GroupSync {
	return m.syncAt(g, g.roster.Version, reply)
}

// syncAt is syncMessage claiming roster version v: the peer answers with
// its copy of v and what follows, which is how we find where two
// histories split.
func (m *groupManager) syncAt(g *group, v uint64, reply bool) wire.GroupSync {
	s := wire.GroupSync{Group: g.row.ID, Version: v, Reply: reply}
	for author, seq := range g.contig {
		if seq > 0 && len(s.Vector) < wire.MaxSyncAuthors {
			s.Vector = append(s.Vector, wire.GroupSyncEntry{Author: author, Seq: seq})
		}
	}
	slices.SortFunc(s.Vector, func(a, b wire.GroupSyncEntry) int { return slices.Compare(a.Author[:], b.Author[:]) })
	return s
}

// sendSync tells a peer what we hold. If its queue is full the sync job for
// the peer sends it once there is room.
func (m *groupManager) sendSync(ctx context.Context, g *group, to crypto.ID, reply bool) {
	m.send(ctx, to, m.syncMessage(g, reply))
}

// handleSync answers a member's GroupSync with what it lacks: our copy of
// the version it holds and the versions after (so it can tell whether our
// histories split), the sender keys addressed to it, and messages past its
// vector. A sync that is not itself a reply, from a peer that holds more
// than we do, is answered with our own sync so the peer sends us the rest.
// The answer is a job that sends a page whenever the peer's session has
// room, so one slow peer never holds up the manager. A former member gets
// rosters only, up to the version that removed it; anyone else gets
// nothing at all.
func (m *groupManager) handleSync(ctx context.Context, from crypto.ID, s wire.GroupSync) {
	g, ok := m.groups[s.Group]
	if !ok || g.row.State == store.GroupInvited {
		return
	}
	_, member := g.member(from)
	if !member || g.row.State == store.GroupLeft {
		// A former member (or we have left): only rosters, so everyone
		// learns who is in and who is out.
		if !m.wasMember(ctx, g, from, s.Version) {
			m.log.Debug(logNonMember, "peer", from)
			return
		}
		if job := m.jobs.start(from, s.Group, m.peers); job != nil {
			job.prelude = m.rostersFor(ctx, g, from, s.Version)
		}
		return
	}
	job := m.jobs.start(from, s.Group, m.peers)
	if job == nil {
		return // offline already
	}
	if containsID(g.local.Pending, from) {
		g.local.Pending = removeID(g.local.Pending, from)
		m.saveRow(ctx, g)
	}
	job.prelude = append(m.rostersFrom(ctx, g, s.Version), m.keysFor(ctx, g, from)...)
	job.theirs = make(map[crypto.ID]uint64, len(s.Vector))
	ahead := s.Version > g.roster.Version
	for _, e := range s.Vector {
		job.theirs[e.Author] = e.Seq
		if _, known := g.member(e.Author); known && e.Seq > g.contig[e.Author] {
			ahead = true
		}
	}
	job.authors = g.authors()
	if len(job.authors) > 0 {
		job.after = job.theirs[job.authors[0]]
	}
	if ahead && !s.Reply {
		job.final, job.finalReply = true, true
	}
}

// rostersFrom returns our copy of version v, when we hold it, and the
// versions after it.
func (m *groupManager) rostersFrom(ctx context.Context, g *group, v uint64) []wire.Message {
	if v == 0 || v > g.roster.Version {
		return nil
	}
	return m.rostersAfter(ctx, g, v-1)
}

// rostersFor returns what a former member may have: the versions from the
// one it holds up to the first one without it. What the group did after
// that (topic, members, their addresses) is none of its business.
func (m *groupManager) rostersFor(ctx context.Context, g *group, id crypto.ID, v uint64) []wire.Message {
	all := m.rostersFrom(ctx, g, v)
	for i, msg := range all {
		rec, ok := msg.(wire.GroupRoster)
		if !ok {
			continue
		}
		r, err := crypto.ParseRoster(rec.Roster)
		if err != nil {
			return all[:i]
		}
		if _, in := r.Member(id); !in {
			return all[:i+1]
		}
	}
	return all
}

// authors lists everyone we hold messages from, in a stable order.
func (g *group) authors() []crypto.ID {
	out := make([]crypto.ID, 0, len(g.contig)+len(g.above))
	for a := range g.contig {
		out = append(out, a)
	}
	for a := range g.above {
		if _, ok := g.contig[a]; !ok {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b crypto.ID) int { return slices.Compare(a[:], b[:]) })
	return out
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

// rostersAfter returns the roster versions after the one a peer holds.
func (m *groupManager) rostersAfter(ctx context.Context, g *group, after uint64) []wire.Message {
	if after >= g.roster.Version {
		return nil
	}
	if after < g.row.Joined {
		after = g.row.Joined - 1 // we hold nothing older
	}
	encs, err := m.store.Rosters(ctx, g.row.ID, after)
	if err != nil {
		m.core.emit(Failure{Op: "read group rosters", Err: err})
		return nil
	}
	out := make([]wire.Message, len(encs))
	for i, enc := range encs {
		out[i] = wire.GroupRoster{Roster: enc}
	}
	return out
}

// keysFor returns the stored sender keys addressed to a peer.
func (m *groupManager) keysFor(ctx context.Context, g *group, to crypto.ID) []wire.Message {
	keys, err := m.store.SenderKeysFor(ctx, g.row.ID, to)
	if err != nil {
		m.core.emit(Failure{Op: "read sender keys", Err: err})
		return nil
	}
	out := make([]wire.Message, len(keys))
	for i, k := range keys {
		out[i] = wire.GroupSenderKey(k)
	}
	return out
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
