package app

import (
	"context"
	"errors"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
)

// syncPage is how many records a sync job hands to a session at a time.
const syncPage = 256

type syncKey struct {
	peer  crypto.ID
	group crypto.GroupID
}

// syncJob sends one peer what it lacks of one group: rosters and sender
// keys first, then each author's messages past the peer's vector, then,
// if asked, our own GroupSync. It sends a page when the session has room
// and parks when it has not; it dies with its session, as the next session
// starts a sync of its own.
type syncJob struct {
	session    uint64
	prelude    []wire.Message
	theirs     map[crypto.ID]uint64
	authors    []crypto.ID // authors still to send, the current one first
	after      uint64      // the current author's last sequence number sent
	final      bool        // end with our GroupSync
	finalReply bool        // ...marked as a reply

	batch  []wire.Message // built, not yet taken by the session
	commit func()         // moves the cursor once batch is taken
	parked bool           // the session's queue was full; waiting for room
}

// syncJobs are the group manager's running sync jobs.
type syncJobs map[syncKey]*syncJob

// start returns a fresh job for (peer, group), replacing a running one: the
// new request carries the peer's latest vector. A pending final sync is
// kept. It returns nil if the peer is offline.
func (js syncJobs) start(peer crypto.ID, g crypto.GroupID, p *peers) *syncJob {
	pr, ok := p.get(peer)
	if !ok {
		return nil
	}
	k := syncKey{peer, g}
	j := &syncJob{session: pr.Session}
	if old := js[k]; old != nil && old.session == pr.Session {
		j.final, j.finalReply = old.final, old.finalReply
	}
	js[k] = j
	return j
}

// resync makes sure our GroupSync reaches peer once its queue has room, so
// a group message refused by a full queue is fetched back through sync.
func (js syncJobs) resync(peer crypto.ID, g crypto.GroupID, p *peers) {
	k := syncKey{peer, g}
	if j := js[k]; j != nil {
		j.final = true
		return
	}
	if j := js.start(peer, g, p); j != nil {
		j.final, j.parked = true, true
	}
}

// end drops the jobs that belong to a session that is gone.
func (js syncJobs) end(peer crypto.ID, session uint64) {
	for k, j := range js {
		if k.peer == peer && j.session == session {
			delete(js, k)
		}
	}
}

// due reports whether some job can make progress now.
func (js syncJobs) due() bool {
	for _, j := range js {
		if !j.parked {
			return true
		}
	}
	return false
}

// wake unparks every job after a session reported room.
func (js syncJobs) wake() {
	for _, j := range js {
		j.parked = false
	}
}

// stepSync moves one runnable job on by one page.
func (m *groupManager) stepSync(ctx context.Context) {
	for k, j := range m.jobs {
		if j.parked {
			continue
		}
		if !m.stepJob(ctx, k, j) {
			delete(m.jobs, k)
		}
		return
	}
}

// stepJob sends j's next page; false when the job is over.
func (m *groupManager) stepJob(ctx context.Context, k syncKey, j *syncJob) bool {
	g, ok := m.groups[k.group]
	if pr, up := m.peers.get(k.peer); !ok || !up || pr.Session != j.session {
		return false
	}
	if j.batch == nil && !m.nextBatch(ctx, g, j) {
		return false
	}
	err := m.peers.send(k.peer, j.batch...)
	switch {
	case errors.Is(err, p2p.ErrQueueFull):
		j.parked = true
		return true
	case err != nil:
		return false
	}
	j.batch = nil
	if j.commit != nil {
		j.commit()
		j.commit = nil
	}
	return true
}

// nextBatch builds j's next page; false when there is nothing left.
func (m *groupManager) nextBatch(ctx context.Context, g *group, j *syncJob) bool {
	if len(j.prelude) > 0 {
		n := min(len(j.prelude), m.peers.batch(syncPage))
		j.batch = j.prelude[:n]
		j.commit = func() { j.prelude = j.prelude[n:] }
		return true
	}
	for len(j.authors) > 0 {
		if m.nextRecords(ctx, g, j) {
			return true
		}
	}
	if j.final {
		j.batch = []wire.Message{m.syncMessage(g, j.finalReply)}
		j.commit = func() { j.final = false }
		return true
	}
	return false
}

// nextRecords loads the current author's next page into j.batch; when the
// author has nothing more it moves on and reports false.
func (m *groupManager) nextRecords(ctx context.Context, g *group, j *syncJob) bool {
	author := j.authors[0]
	size := m.peers.batch(syncPage)
	page, err := m.store.GroupRecords(ctx, g.row.ID, author, j.after, size)
	if err != nil {
		m.core.emit(Failure{Op: "read group messages", Err: err})
		j.authors = nil
		return false
	}
	if len(page) == 0 {
		j.nextAuthor()
		return false
	}
	recs := make([][]byte, len(page))
	for i, p := range page {
		recs[i] = p.Record
	}
	j.batch = decodeRecords(recs)
	last := page[len(page)-1].AuthorSeq
	full := len(page) == size
	j.commit = func() {
		if j.after = last; !full {
			j.nextAuthor()
		}
	}
	if len(j.batch) == 0 {
		j.batch = nil
		j.commit()
		return false
	}
	return true
}

func (j *syncJob) nextAuthor() {
	j.authors = j.authors[1:]
	if len(j.authors) > 0 {
		j.after = j.theirs[j.authors[0]]
	}
}
