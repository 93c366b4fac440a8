package app

import (
	"context"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// A file offered in a group is fetched from whichever member holds it
// whole: the sender, or any member who saved it. The records are the 1:1
// ones, between members (who keep sessions with each other, contacts or
// not): a member asks those online with FileStatus accept ("who has it?"),
// a holder answers FileStatus done ("I have it") and serves FileGets for
// that root to current members only. A member that saves the file says
// done to the members online, so those still waiting can fetch from it.

// isGroup reports whether t's file was offered in a group.
func (t *transfer) isGroup() bool { return t.row.Group != (crypto.GroupID{}) }

// peer is who t's records go to: the contact, or for a group file the
// member we fetch from (zero while we have none).
func (t *transfer) peer() crypto.ID {
	if t.isGroup() {
		return t.holder
	}
	return t.row.Peer
}

// offerGroup stores our file as offered in group g: we serve it to the
// members until it is cancelled.
func (m *fileManager) offerGroup(ctx context.Context, g crypto.GroupID, src preparedOffer) (Transfer, wire.FileOffer, error) {
	t := &transfer{row: store.Transfer{
		ID: newTransferID(), Peer: m.core.Self().ID, Group: g, Outgoing: true, Size: src.size, ChunkSize: fileChunk,
		Name: src.name, Path: src.path, Hashes: src.hashes, State: int(TransferActive), Created: m.now().UnixMilli(),
	}}
	t.row.Root = fileRoot(src.size, fileChunk, src.hashes)
	if err := m.store.PutTransfer(ctx, t.row); err != nil {
		return Transfer{}, wire.FileOffer{}, err
	}
	m.byID[TransferID(t.row.ID)] = t
	v := m.view(t)
	m.core.emit(FileOffered{Transfer: v})
	return v, m.offerMessage(t), nil
}

// groupOffered takes an offer read from a group message; the group
// manager checked that its author signed it as a member.
func (m *fileManager) groupOffered(ctx context.Context, o groupFileOffer) {
	if _, dup := m.byID[TransferID(o.offer.ID)]; dup || o.author == m.core.Self().ID {
		return
	}
	t := &transfer{row: store.Transfer{
		ID: o.offer.ID, Peer: o.author, Group: o.group, Root: o.offer.Root, Size: int64(o.offer.Size),
		ChunkSize: int(o.offer.ChunkSize), Name: SanitizeFileName(o.offer.Name), State: int(TransferOffered),
		Created: m.now().UnixMilli(),
	}}
	m.byID[TransferID(o.offer.ID)] = t
	switch {
	case m.openOffers(o.author) >= maxOpenOffers:
		m.fail(ctx, t, "too many open offers from this member", false)
		return
	case t.row.Size > m.maxSize:
		m.fail(ctx, t, "over the size limit (--max-file-size)", false)
		return
	case numChunks(t.row.Size, t.row.ChunkSize) > maxChunks:
		m.fail(ctx, t, "chunks too small for its size", false)
		return
	}
	// Auto-accept follows the 1:1 rule: the author must be a verified contact.
	c, err := m.core.Contact(ctx, o.author)
	m.announce(ctx, t, err == nil && c.State == store.ContactAccepted && c.Verified)
}

// holds reports whether we can serve all of t's file.
func holds(t *transfer) bool {
	st := TransferState(t.row.State)
	return t.isGroup() && (t.row.Outgoing && st == TransferActive || !t.row.Outgoing && st.saved() && t.row.Path != "")
}

// servingGroup finds a group file of root that we hold and may serve to
// peer: a current member of the group it was offered in, never anyone else.
func (m *fileManager) servingGroup(peer crypto.ID, root [32]byte) *transfer {
	for _, t := range m.byID {
		if t.row.Root == root && holds(t) && m.core.dir.isMember(t.row.Group, peer) {
			return t
		}
	}
	return nil
}

// verifiedChunk checks a chunk of a group file against its hash before we
// serve it: the user may have changed the file since it was offered or
// saved, and members should hear "not here" rather than get bad chunks.
func verifiedChunk(t *transfer, i int, b []byte) bool {
	return chunkMatches(t.row.Hashes, i, b)
}

// groupStatus handles a FileStatus about a group file, from a member.
func (m *fileManager) groupStatus(ctx context.Context, from crypto.ID, t *transfer, v wire.FileStatus) {
	if !m.core.dir.isMember(t.row.Group, from) {
		m.strike(from)
		return
	}
	switch v.Status {
	case wire.FileAccept: // who has it?
		if holds(t) {
			m.send(from, wire.FileStatus{ID: t.row.ID, Status: wire.FileDone})
		}
	case wire.FileDone: // I have it
		if t.row.Outgoing {
			m.emitProgress(t, true) // a member has it all: show what was served
		}
		if t.rx != nil && !t.shunned[from] && (t.holder == (crypto.ID{}) || !m.peers.online(t.holder)) {
			t.holder = from
			t.rx.restart(t.row.Done)
			m.refill(ctx, t)
		}
	case wire.FileFail: // no longer held there
		if t.rx != nil && t.holder == from {
			m.shun(ctx, t, from)
		}
	}
}

// shun stops fetching t from a member that could not serve it and asks
// the others online.
func (m *fileManager) shun(ctx context.Context, t *transfer, id crypto.ID) {
	if t.shunned == nil {
		t.shunned = make(map[crypto.ID]bool)
	}
	t.shunned[id] = true
	m.holderGone(ctx, t)
}

// holderGone forgets the member t was fetched from and asks who else has it.
func (m *fileManager) holderGone(_ context.Context, t *transfer) {
	t.holder = crypto.ID{}
	t.rx.restart(t.row.Done)
	m.askMembers(t, m.membersOnline(t.row.Group)...)
}

// askMembers asks each of ids whether it holds t's file.
func (m *fileManager) askMembers(t *transfer, ids ...crypto.ID) {
	for _, id := range ids {
		if !t.shunned[id] {
			m.send(id, wire.FileStatus{ID: t.row.ID, Status: wire.FileAccept})
		}
	}
}

// tellHeld tells the members online that we now hold t's file.
func (m *fileManager) tellHeld(t *transfer) {
	for _, id := range m.membersOnline(t.row.Group) {
		m.send(id, wire.FileStatus{ID: t.row.ID, Status: wire.FileDone})
	}
}

// membersOnline lists the other members of g we have a session with.
func (m *fileManager) membersOnline(g crypto.GroupID) []crypto.ID {
	e, ok := m.core.dir.group(g)
	if !ok || !e.active {
		return nil
	}
	var out []crypto.ID
	self := m.core.Self().ID
	for _, mem := range e.members {
		if mem.id != self && m.peers.online(mem.id) {
			out = append(out, mem.id)
		}
	}
	return out
}

// groupPeerUp asks a member who came online about the group files we
// still fetch and have nobody to fetch from.
func (m *fileManager) groupPeerUp(id crypto.ID) {
	for _, t := range m.byID {
		if t.isGroup() && t.rx != nil && TransferState(t.row.State) == TransferActive &&
			(t.holder == (crypto.ID{}) || t.holder == id) && m.core.dir.isMember(t.row.Group, id) {
			t.holder = crypto.ID{}
			m.askMembers(t, id)
		}
	}
}

// groupPeerDown moves the group files fetched from id to another holder.
func (m *fileManager) groupPeerDown(ctx context.Context, id crypto.ID) {
	for _, t := range m.byID {
		if t.isGroup() && t.rx != nil && t.holder == id {
			m.holderGone(ctx, t)
		}
	}
}
