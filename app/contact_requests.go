package app

import (
	"context"
	"errors"
	"strings"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

const (
	// maxPendingRequests caps stored requests from strangers, so a flood of
	// throwaway identities cannot fill the disk.
	maxPendingRequests = 100
	// maxRequestsPerPrefix caps stored requests from one network (a /24 or
	// a /64): one host cannot hold more than a few slots however many
	// identities it makes.
	maxRequestsPerPrefix = 4
)

var (
	errRejected      = errors.New("app: a peer whose request the user declined")
	errRequestStored = errors.New("app: the stranger's request is stored")
)

// requestCaps bounds the stored requests from strangers.
type requestCaps struct {
	total     int // in all
	perPrefix int // from one network
}

// request is what the manager knows of a pending request beyond the store.
type request struct {
	prefix string // network it came from; "" if not known (loaded at start)
	seen   bool   // the user has opened it
}

// contactRequest handles a ContactRequest from any peer.
func (m *contactManager) contactRequest(ctx context.Context, from crypto.ID, req wire.ContactRequest) {
	c := m.contacts[from]
	switch {
	case c != nil && c.State == store.ContactAccepted:
		// They lost our acceptance (or it crossed their restart): repeat
		// it, once per session, so repeating the request costs us nothing.
		m.answerOnce(ctx, from)
	case c != nil && c.State == store.ContactPendingOut:
		// Both added each other: that is consent on both sides.
		m.send(ctx, from, wire.ContactAccept{Name: m.core.self.Name})
		m.becomeContacts(ctx, c)
	case c != nil:
		// Already waiting for our answer: nothing more to hear from them.
		m.hangUpStranger(from, errRequestStored)
	case m.rejected != nil && m.rejected.Has(from):
		m.dropRejected(ctx, from)
	default:
		m.newRequest(ctx, from, req)
	}
}

// answerOnce repeats our acceptance to from unless this session had it.
func (m *contactManager) answerOnce(ctx context.Context, from crypto.ID) {
	pr, ok := m.peers.get(from)
	if !ok || m.answered[from] == pr.Session {
		return
	}
	m.answered[from] = pr.Session
	m.send(ctx, from, wire.ContactAccept{Name: m.core.self.Name})
}

// requestNetwork is what a stranger's requests are capped under: its IP
// prefix, or for every onion stranger one shared "onion" bucket, since
// they all come from tor's 127.0.0.1 and must not crowd out local peers.
func requestNetwork(pr Presence) string {
	if pr.Path == PathOnion {
		return PathOnion
	}
	return addrPrefix(pr.Remote)
}

// newRequest stores a stranger's request, making room if needed: the
// newest request is never refused for lack of room, since otherwise whoever
// fills the slots first locks everyone else out.
func (m *contactManager) newRequest(ctx context.Context, from crypto.ID, req wire.ContactRequest) {
	pr, ok := m.peers.get(from)
	if !ok {
		return
	}
	prefix := requestNetwork(pr)
	if !m.makeRoom(ctx, prefix) {
		return
	}
	name := req.Name
	if crypto.ValidateName(name) != nil {
		name = "unnamed " + from.Short()
	}
	now := m.now()
	sc := store.Contact{
		ID: from, Keys: pr.info.Keys, Name: name,
		Addrs: mergeAddrs(m.peers.learned(from, pr.info.Addrs), m.peers.learned(from, req.Addrs)),
		State: store.ContactPendingIn, CreatedAt: now, LastActivity: now,
	}
	if err := m.store.PutContact(ctx, sc); err != nil {
		m.core.emit(Failure{Op: "save contact request", Err: err})
		return
	}
	m.contacts[from] = &sc
	m.requests[from] = &request{prefix: prefix}
	m.publish() // before the event, so a frontend can resolve what it names
	m.core.emit(ContactRequest{Contact: m.view(ctx, &sc)})
	m.hangUpStranger(from, errRequestStored)
}

// makeRoom evicts a stored request if the new one from prefix would pass a
// cap: the oldest from the same network first, else the oldest the user has
// not opened. It reports whether there is room now.
func (m *contactManager) makeRoom(ctx context.Context, prefix string) bool {
	if prefix != "" {
		same := func(r *request) bool { return r.prefix == prefix }
		if m.countRequests(same) >= m.caps.perPrefix && !m.evictOldest(ctx, same) {
			return false
		}
	}
	if len(m.requests) < m.caps.total {
		return true
	}
	if m.evictOldest(ctx, func(r *request) bool { return !r.seen }) {
		return true
	}
	return m.evictOldest(ctx, func(*request) bool { return true })
}

func (m *contactManager) countRequests(match func(*request) bool) int {
	n := 0
	for _, r := range m.requests {
		if match(r) {
			n++
		}
	}
	return n
}

// evictOldest deletes the oldest stored request that match accepts.
func (m *contactManager) evictOldest(ctx context.Context, match func(*request) bool) bool {
	var oldest *store.Contact
	for id, r := range m.requests {
		c := m.contacts[id]
		if !match(r) || c == nil {
			continue
		}
		if oldest == nil || c.CreatedAt.Before(oldest.CreatedAt) ||
			(c.CreatedAt.Equal(oldest.CreatedAt) && strings.Compare(c.ID.String(), oldest.ID.String()) < 0) {
			oldest = c
		}
	}
	if oldest == nil {
		return false
	}
	id := oldest.ID
	if err := m.store.DeleteContact(ctx, id); err != nil {
		m.core.emit(Failure{Op: "make room for a contact request", Err: err})
		return false
	}
	m.log.Info("dropped the oldest contact request to make room", "peer", id)
	m.forget(id)
	m.core.emit(ContactRemoved{ID: id})
	return true
}

// forget drops everything the manager holds on id.
func (m *contactManager) forget(id crypto.ID) {
	delete(m.contacts, id)
	delete(m.requests, id)
	delete(m.flushing, id)
	delete(m.answered, id)
	m.publish()
}

// hangUpStranger ends a session we need nothing more from: once what is
// queued (an answer) is written, unless another holder (a group) wants it.
func (m *contactManager) hangUpStranger(id crypto.ID, why error) {
	m.log.Debug("hanging up on a stranger", "peer", id, "why", why)
	m.peers.release(holdContacts, id)
}

// dropRejected ends a declined stranger's session at once, unless a group
// holds it (a fellow member is talked to for the group's sake). The first
// time on a session it is told it was declined, so its user learns and its
// node stops asking, and the session hangs up once that is written; any
// frame it sends after that closes the session outright.
func (m *contactManager) dropRejected(ctx context.Context, id crypto.ID) {
	if m.peers.heldByAny(id) {
		return
	}
	pr, ok := m.peers.get(id)
	if !ok {
		return
	}
	if m.answered[id] == pr.Session {
		m.log.Info("closing a session with a declined stranger", "peer", id)
		m.peers.drop(id, errRejected)
		return
	}
	m.answered[id] = pr.Session
	m.send(ctx, id, wire.ContactReject{})
	m.hangUpStranger(id, errRejected)
}

// loadRejected reads the declined list. Without it, declined strangers can
// ask again; that is a nuisance, not a hole, so the core still runs.
func (m *contactManager) loadRejected(ctx context.Context) {
	l, err := m.store.Rejected(ctx)
	if err != nil {
		m.core.emit(Failure{Op: "load declined contact requests", Err: err})
		return
	}
	m.rejected = l
}

// reject declines id's request: it is forgotten, remembered as declined
// (sealed), told, and its session ends.
func (m *contactManager) reject(ctx context.Context, id crypto.ID) error {
	if err := m.store.DeleteContact(ctx, id); err != nil {
		return err
	}
	if m.rejected != nil {
		if err := m.rejected.Add(ctx, id); err != nil {
			m.core.emit(Failure{Op: "remember a declined request", Err: err})
		}
	}
	m.forget(id)
	m.dropRejected(ctx, id)
	m.core.emit(ContactRemoved{ID: id})
	return nil
}

// markSeen notes that the user opened a pending request; it is then the
// last to make room for a newer one.
func (m *contactManager) markSeen(id crypto.ID) {
	if r, ok := m.requests[id]; ok {
		r.seen = true
	}
}
