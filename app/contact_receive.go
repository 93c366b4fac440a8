package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// inbox gathers texts and acks from a run of engine events so they are
// stored in one transaction and acknowledged together.
type inbox struct {
	texts []store.Message
	acks  map[crypto.ID][]crypto.MessageID
	reads map[crypto.ID][]crypto.MessageID
}

func newInbox() *inbox {
	return &inbox{acks: make(map[crypto.ID][]crypto.MessageID), reads: make(map[crypto.ID][]crypto.MessageID)}
}

func (in *inbox) empty() bool { return len(in.texts) == 0 && len(in.acks) == 0 && len(in.reads) == 0 }

// received sorts one frame's messages: texts and receipts are gathered,
// anything that changes contact state first commits what was gathered so
// that order is kept.
func (m *contactManager) received(ctx context.Context, ev p2p.Received, in *inbox) {
	c := m.contacts[ev.From]
	// A contact repeating its request on a session we answered gets
	// nothing more; a flood of them costs a type switch each.
	answered := m.answered[ev.From] == ev.Session
	for _, msg := range ev.Msgs {
		accepted := c != nil && c.State == store.ContactAccepted
		switch msg := msg.(type) {
		case wire.ContactRequest:
			if accepted && answered {
				continue
			}
			m.commitInbox(ctx, in)
			m.control(ctx, ev.From, msg)
			c, answered = m.contacts[ev.From], m.answered[ev.From] == ev.Session
		case wire.Text, wire.Reply, wire.Reaction, wire.Edit, wire.Delete:
			if !accepted {
				m.refuse(ev.From, "text from a non-contact")
				return
			}
			if s, ok := m.unstored[ev.From]; ok && s == ev.Session {
				continue // after one we could not store, in order: the next session resends all
			}
			row, _ := chatRow(ev.From, msg)
			row.StoredAt = m.now()
			in.texts = append(in.texts, row)
		case wire.Ack:
			if accepted {
				in.acks[ev.From] = append(in.acks[ev.From], msg.IDs...)
			}
		case wire.Read:
			if accepted {
				in.reads[ev.From] = append(in.reads[ev.From], msg.IDs...)
			}
		case wire.Typing:
			if accepted {
				m.core.emit(Typing{Contact: ev.From, Active: msg.Active})
			}
		default:
			m.commitInbox(ctx, in)
			m.control(ctx, ev.From, msg)
			c, answered = m.contacts[ev.From], m.answered[ev.From] == ev.Session
		}
	}
}

// control handles the messages that change who is a contact.
func (m *contactManager) control(ctx context.Context, from crypto.ID, msg wire.Message) {
	c := m.contacts[from]
	switch msg := msg.(type) {
	case wire.ContactRequest:
		m.contactRequest(ctx, from, msg)
	case wire.ContactAccept:
		if c != nil && c.State == store.ContactPendingOut {
			m.becomeContacts(ctx, c)
		}
	case wire.ContactReject:
		if c != nil && c.State == store.ContactPendingOut {
			if err := m.store.DeleteContact(ctx, from); err != nil {
				m.core.emit(Failure{Op: "remove contact", Err: err})
				return
			}
			delete(m.contacts, from)
			m.publish()
			m.peers.release(holdContacts, from)
			m.core.emit(ContactRejected{ID: from, Name: shownName(c)})
		}
	case wire.Address:
		if c != nil && c.State != store.ContactPendingIn {
			m.learnAddrs(ctx, c, m.peers.learned(from, msg.Addrs))
		}
	case wire.Bye:
		// The session closes next; PeerDown reports it.
	}
}

// becomeContacts marks c accepted and starts talking.
func (m *contactManager) becomeContacts(ctx context.Context, c *store.Contact) {
	next := *c
	next.State = store.ContactAccepted
	next.LastActivity = m.now()
	if err := m.store.PutContact(ctx, next); err != nil {
		m.core.emit(Failure{Op: "save contact", Err: err})
		return
	}
	*c = next
	delete(m.requests, c.ID)
	m.peers.connect(holdContacts, p2p.Target{Keys: c.Keys, Addrs: c.Addrs})
	m.publish()
	m.core.emit(ContactAdded{Contact: m.view(ctx, c)})
	if pr, ok := m.peers.get(c.ID); ok {
		m.core.emit(m.peerStatus(c.ID))
		m.startFlush(c.ID, pr.Session)
		m.sendPendingReceipts(ctx, c.ID)
	}
}

// refuse closes a session with a peer that broke the rules.
func (m *contactManager) refuse(id crypto.ID, why string) {
	m.log.Info("refusing peer", "peer", id, "why", why)
	if c, ok := m.contacts[id]; ok && c.State != store.ContactPendingIn {
		return // keep dialing contacts; only the offending frame is dropped
	}
	m.peers.release(holdContacts, id) // a group holding this peer keeps it
}

// commitInbox stores gathered texts durably, then acks them, then applies
// gathered receipts. Nothing is acked before it is on disk.
func (m *contactManager) commitInbox(ctx context.Context, in *inbox) {
	if in.empty() {
		return
	}
	if len(in.texts) > 0 {
		m.storeIncoming(ctx, in.texts)
		in.texts = nil
	}
	for id, ids := range in.acks {
		m.advance(ctx, id, ids, store.StateDelivered)
		delete(in.acks, id)
	}
	for id, ids := range in.reads {
		m.advance(ctx, id, ids, store.StateRead)
		delete(in.reads, id)
	}
}

// errNotStored ends a session whose messages we could not store.
var errNotStored = errors.New("could not store the messages received; the sender sends them again")

func (m *contactManager) storeIncoming(ctx context.Context, texts []store.Message) {
	inserted, err := m.store.AddIncoming(ctx, texts)
	if err != nil {
		// Not acked: the sender keeps them and resends on the next
		// session, so end this one; on a live session it would wait for
		// ever, even once the disk has room again.
		m.core.emit(Failure{Op: "save incoming messages", Err: err})
		dropped := make(map[crypto.ID]bool)
		for _, t := range texts {
			if pr, ok := m.peers.get(t.Contact); ok && !dropped[t.Contact] {
				dropped[t.Contact] = true
				m.unstored[t.Contact] = pr.Session
				m.peers.drop(t.Contact, errNotStored)
			}
		}
		return
	}
	acks := make(map[crypto.ID][]crypto.MessageID)
	added := make(map[crypto.ID][]store.Message)
	var order []crypto.ID
	for i, t := range texts {
		if _, seen := acks[t.Contact]; !seen {
			order = append(order, t.Contact)
		}
		acks[t.Contact] = append(acks[t.Contact], t.ID)
		if !inserted[i] {
			continue
		}
		added[t.Contact] = append(added[t.Contact], t)
		if t.Kind == store.KindText {
			m.core.emit(MessageReceived{Message: m.core.withQuote(ctx, messageFromStore(t, m.core.self.ID, m.name(t.Contact)))})
		}
	}
	for id, rows := range added {
		m.applyChatOps(ctx, id, rows)
	}
	for _, id := range order {
		m.sendIDs(ctx, id, acks[id], func(ids []crypto.MessageID) wire.Message { return wire.Ack{IDs: ids} })
		m.touch(ctx, id)
	}
}

// sendIDs sends ids in as many messages as the wire's ID limit needs.
func (m *contactManager) sendIDs(ctx context.Context, to crypto.ID, ids []crypto.MessageID, wrap func([]crypto.MessageID) wire.Message) error {
	var msgs []wire.Message
	for chunk := range slices.Chunk(ids, wire.MaxIDs) {
		msgs = append(msgs, wrap(chunk))
	}
	return m.send(ctx, to, msgs...)
}

// touch records activity for sorting, at most once a second per contact.
func (m *contactManager) touch(ctx context.Context, id crypto.ID) {
	c, ok := m.contacts[id]
	now := m.now()
	if !ok || now.Sub(c.LastActivity) < time.Second {
		return
	}
	if err := m.store.TouchContact(ctx, id, now); err == nil {
		c.LastActivity = now
	}
}

// learnAddrs records addresses for a contact, and dials them from now on:
// from a link code the user gave us as they are, from the contact itself
// only what addrPolicy.observed kept.
func (m *contactManager) learnAddrs(ctx context.Context, c *store.Contact, addrs []string) {
	merged := mergeAddrs(addrs, c.Addrs)
	if slices.Equal(merged, c.Addrs) {
		return
	}
	next := *c
	next.Addrs = merged
	if err := m.store.PutContact(ctx, next); err != nil {
		m.core.emit(Failure{Op: "save contact addresses", Err: err})
		return
	}
	*c = next
	if c.State != store.ContactPendingIn {
		m.peers.connect(holdContacts, p2p.Target{Keys: c.Keys, Addrs: c.Addrs})
	}
	m.core.emit(ContactUpdated{Contact: m.view(ctx, c)})
}

func (m *contactManager) sendPendingReceipts(ctx context.Context, id crypto.ID) {
	ids, err := m.store.PendingReceipts(ctx, id)
	if err != nil || len(ids) == 0 {
		return
	}
	if m.sendIDs(ctx, id, ids, func(ids []crypto.MessageID) wire.Message { return wire.Read{IDs: ids} }) == nil {
		m.store.ReceiptsSent(ctx, id, ids)
	}
}

// name is a contact's name, or "" for someone no longer a contact.
func (m *contactManager) name(id crypto.ID) string {
	if c, ok := m.contacts[id]; ok {
		return shownName(c)
	}
	return ""
}

// mergeAddrs puts fresh addresses first, keeps old ones after, drops
// duplicates and invalid entries, and caps the list.
func mergeAddrs(fresh, old []string) []string {
	var out []string
	for _, a := range slices.Concat(fresh, old) {
		if crypto.ValidateAddr(a) == nil && !slices.Contains(out, a) && len(out) < crypto.MaxAddrs {
			out = append(out, a)
		}
	}
	return out
}
