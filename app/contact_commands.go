package app

import (
	"context"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// view turns a stored contact into what frontends see.
func (m *contactManager) view(ctx context.Context, c *store.Contact) Contact {
	sn, ok := m.safety[c.ID]
	if !ok {
		// Thousands of hash rounds: worth computing once per contact, not
		// on every list and every update.
		sn = crypto.SafetyNumber(m.core.self.Keys, c.Keys)
		m.safety[c.ID] = sn
	}
	v := contactFromStore(*c, sn)
	if c.State == store.ContactAccepted {
		ps := m.peerStatus(c.ID)
		v.Online, v.Path, v.Remote, v.LastSeen = ps.Online, ps.Path, ps.Remote, ps.LastSeen
	}
	if n, err := m.store.UnreadCount(ctx, ContactChat(c.ID)); err == nil {
		v.Unread = n
	}
	return v
}

// add records the person behind a link code and asks them to be a
// contact; adding someone who already asked us is consent.
func (m *contactManager) add(ctx context.Context, code crypto.LinkCode) (Contact, error) {
	id := code.Keys.ID()
	if m.rejected != nil && m.rejected.Has(id) {
		// The user declined them once and now adds them: that wins.
		if err := m.rejected.Remove(ctx, id); err != nil {
			return Contact{}, err
		}
	}
	if c, ok := m.contacts[id]; ok {
		switch c.State {
		case store.ContactPendingIn:
			// They asked first; adding them back is consent.
			m.send(ctx, id, wire.ContactAccept{Name: m.core.self.Name})
			m.becomeContacts(ctx, c)
		default:
			m.learnAddrs(ctx, c, code.Addrs)
		}
		return m.view(ctx, c), nil
	}
	now := m.now()
	c := store.Contact{
		ID: id, Keys: code.Keys, Name: code.Name, Addrs: mergeAddrs(code.Addrs, nil),
		State: store.ContactPendingOut, CreatedAt: now, LastActivity: now,
	}
	if err := m.store.PutContact(ctx, c); err != nil {
		return Contact{}, err
	}
	m.contacts[id] = &c
	m.peers.connect(holdContacts, p2p.Target{Keys: c.Keys, Addrs: c.Addrs})
	if m.online(id) {
		m.send(ctx, id, m.requestMessage())
	}
	out := m.view(ctx, &c)
	m.publish() // before the event, so a frontend can read its history
	m.core.emit(ContactUpdated{Contact: out})
	return out, nil
}

// answer accepts or declines a pending contact request.
func (m *contactManager) answer(ctx context.Context, id crypto.ID, accept bool) error {
	c, ok := m.contacts[id]
	if !ok || c.State != store.ContactPendingIn {
		return ErrNoRequest
	}
	if accept {
		m.send(ctx, id, wire.ContactAccept{Name: m.core.self.Name})
		m.becomeContacts(ctx, c)
		return nil
	}
	return m.reject(ctx, id)
}

// list lists contacts, or just one when only is set, latest activity first.
func (m *contactManager) list(ctx context.Context, only *crypto.ID) []Contact {
	out := make([]Contact, 0, len(m.contacts))
	for _, c := range m.contacts {
		if only == nil || c.ID == *only {
			out = append(out, m.view(ctx, c))
		}
	}
	sortLatestFirst(out, func(c Contact) (time.Time, string) { return c.LastActivity, c.ID.String() })
	return out
}

type sendCmd struct {
	to   crypto.ID
	text string
	id   crypto.MessageID
	done chan error
	// kind and target make it a reply or an operation (message_ops.go).
	kind   store.MessageKind
	target crypto.MessageID
}

// apply is used only when a send arrives alone; handleCommand batches.
// Sends are the one typed op of the contact manager: a burst of them is
// stored in one transaction, which a closure could not be told apart for.
func (cmd *sendCmd) apply(ctx context.Context, m *contactManager) {
	m.sendBatch(ctx, []*sendCmd{cmd})
}

// sendBatch stores a run of sends in one transaction, answers each, and
// lets the flush hand them to the engine in order.
func (m *contactManager) sendBatch(ctx context.Context, batch []*sendCmd) {
	now := m.now()
	msgs := make([]store.Message, 0, len(batch))
	var ok []*sendCmd
	for _, cmd := range batch {
		c, known := m.contacts[cmd.to]
		if !known || c.State == store.ContactPendingIn {
			cmd.done <- ErrUnknownContact
			continue
		}
		id := crypto.NewMessageID(now)
		cmd.id = id
		msgs = append(msgs, store.Message{
			ID: id, Contact: cmd.to, Outgoing: true, Text: cmd.text,
			SentAt: now, StoredAt: now, State: store.StateQueued, Kind: cmd.kind, Target: cmd.target,
		})
		ok = append(ok, cmd)
	}
	if len(msgs) == 0 {
		return
	}
	if err := m.store.AddOutgoing(ctx, msgs); err != nil {
		for _, cmd := range ok {
			cmd.done <- err
		}
		return
	}
	for i, cmd := range ok {
		if cmd.kind == store.KindText {
			m.core.search.put(messageFromStore(msgs[i], m.core.self.ID, ""))
			m.core.emit(MessageStatus{Conversation: ContactChat(cmd.to), ID: cmd.id, State: StateQueued})
		} else {
			m.applyChatOps(ctx, cmd.to, msgs[i:i+1])
		}
		m.touch(ctx, msgs[i].Contact)
		cmd.done <- nil
	}
	m.sendFresh(ctx, msgs)
}

// sendFresh hands just-stored messages straight to their sessions when
// nothing older is waiting, saving a read back from the store; otherwise
// it leaves them to the flush, which keeps the order.
func (m *contactManager) sendFresh(ctx context.Context, msgs []store.Message) {
	byContact := make(map[crypto.ID][]store.Message)
	for _, msg := range msgs {
		byContact[msg.Contact] = append(byContact[msg.Contact], msg)
	}
	for id, page := range byContact {
		f, ok := m.flushing[id]
		if !ok || f.due || f.parked || len(page) > m.peers.batch(len(page)) {
			m.kickFlush(id)
			continue
		}
		if err := m.sendPage(ctx, id, page); err != nil {
			m.kickFlush(id)
			continue
		}
		f.cursor = page[len(page)-1].Seq
	}
}

// markRead marks a chat's incoming messages seen and sends read receipts.
func (m *contactManager) markRead(ctx context.Context, id crypto.ID, upTo int64) error {
	if _, ok := m.contacts[id]; !ok {
		return ErrUnknownContact
	}
	m.markSeen(id)
	if _, err := m.store.MarkSeenUpTo(ctx, ContactChat(id), upTo); err != nil {
		return err
	}
	if m.online(id) {
		m.sendPendingReceipts(ctx, id)
	}
	return nil
}

func (m *contactManager) typing(ctx context.Context, id crypto.ID, active bool) {
	if c, ok := m.contacts[id]; ok && c.State == store.ContactAccepted && m.online(id) {
		m.send(ctx, id, wire.Typing{Active: active})
	}
}

func (m *contactManager) edit(ctx context.Context, id crypto.ID, edit func(*store.Contact)) error {
	c, ok := m.contacts[id]
	if !ok {
		return ErrUnknownContact
	}
	next := *c
	edit(&next)
	if err := m.store.PutContact(ctx, next); err != nil {
		return err
	}
	*c = next
	m.markSeen(id)
	m.publish()
	m.core.emit(ContactUpdated{Contact: m.view(ctx, c)})
	return nil
}

func (m *contactManager) remove(ctx context.Context, id crypto.ID) error {
	if _, ok := m.contacts[id]; !ok {
		return ErrUnknownContact
	}
	if err := m.store.DeleteContact(ctx, id); err != nil {
		return err
	}
	m.forget(id)
	// Only our hold: a group that shares this peer keeps its session.
	m.peers.release(holdContacts, id)
	m.core.emit(ContactRemoved{ID: id})
	return nil
}
