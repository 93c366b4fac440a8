package app

import (
	"context"
	"slices"
	"strings"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// view turns a stored contact into what frontends see.
func (m *contactManager) view(ctx context.Context, c *store.Contact) Contact {
	v := m.viewOnline(c)
	if n, err := m.store.UnreadCount(ctx, c.ID); err == nil {
		v.Unread = n
	}
	return v
}

// viewOnline is view without the unread count, which costs a query.
func (m *contactManager) viewOnline(c *store.Contact) Contact {
	sn, ok := m.safety[c.ID]
	if !ok {
		// Thousands of hash rounds: worth computing once per contact, not
		// on every list and every update.
		sn = crypto.SafetyNumber(m.core.self.Keys, c.Keys)
		m.safety[c.ID] = sn
	}
	v := contactFromStore(*c, sn)
	v.Online = c.State == store.ContactAccepted && m.online(c.ID)
	return v
}

type addCmd struct {
	code   crypto.LinkCode
	result Contact
	done   chan error
}

func (cmd *addCmd) apply(ctx context.Context, m *contactManager) {
	id := cmd.code.Keys.ID()
	if c, ok := m.contacts[id]; ok {
		switch c.State {
		case store.ContactPendingIn:
			// They asked first; adding them back is consent.
			m.send(ctx, id, wire.ContactAccept{Name: m.core.self.Name})
			m.becomeContacts(ctx, c)
		default:
			m.learnAddrs(ctx, c, cmd.code.Addrs)
		}
		cmd.result = m.view(ctx, c)
		cmd.done <- nil
		return
	}
	now := m.now()
	c := store.Contact{
		ID: id, Keys: cmd.code.Keys, Name: cmd.code.Name, Addrs: mergeAddrs(cmd.code.Addrs, nil),
		State: store.ContactPendingOut, CreatedAt: now, LastActivity: now,
	}
	if err := m.store.PutContact(ctx, c); err != nil {
		cmd.done <- err
		return
	}
	m.contacts[id] = &c
	m.peers.connect(holdContacts, p2p.Target{Keys: c.Keys, Addrs: c.Addrs})
	if m.online(id) {
		m.send(ctx, id, m.requestMessage())
	}
	cmd.result = m.view(ctx, &c)
	m.core.emit(ContactUpdated{Contact: cmd.result})
	cmd.done <- nil
}

type answerCmd struct {
	id     crypto.ID
	accept bool
	done   chan error
}

func (cmd *answerCmd) apply(ctx context.Context, m *contactManager) {
	c, ok := m.contacts[cmd.id]
	if !ok || c.State != store.ContactPendingIn {
		cmd.done <- ErrNoRequest
		return
	}
	if cmd.accept {
		m.send(ctx, cmd.id, wire.ContactAccept{Name: m.core.self.Name})
		m.becomeContacts(ctx, c)
		cmd.done <- nil
		return
	}
	if err := m.store.DeleteContact(ctx, cmd.id); err != nil {
		cmd.done <- err
		return
	}
	// The session stays up so the answer is written; the requester hangs
	// up when it reads it, and idle stranger sessions time out anyway.
	m.send(ctx, cmd.id, wire.ContactReject{})
	delete(m.contacts, cmd.id)
	m.core.emit(ContactRemoved{ID: cmd.id})
	cmd.done <- nil
}

// listCmd lists contacts, or just one when only is set. Without counts the
// unread counts (a query per contact) are left at zero, for lookups that
// only need names and IDs.
type listCmd struct {
	only   *crypto.ID
	counts bool
	result []Contact
	done   chan error
}

func (cmd *listCmd) apply(ctx context.Context, m *contactManager) {
	out := make([]Contact, 0, len(m.contacts))
	for _, c := range m.contacts {
		if cmd.only != nil && c.ID != *cmd.only {
			continue
		}
		if cmd.counts {
			out = append(out, m.view(ctx, c))
		} else {
			out = append(out, m.viewOnline(c))
		}
	}
	slices.SortFunc(out, func(a, b Contact) int {
		if c := b.LastActivity.Compare(a.LastActivity); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	cmd.result = out
	cmd.done <- nil
}

type sendCmd struct {
	to   crypto.ID
	text string
	id   MessageID
	done chan error
}

// apply is used only when a send arrives alone; handleCommand batches.
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
		id := newMessageID(now)
		cmd.id = MessageID(id)
		msgs = append(msgs, store.Message{
			ID: id, Contact: cmd.to, Outgoing: true, Text: cmd.text,
			SentAt: now, StoredAt: now, State: store.StateQueued,
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
		m.core.emit(MessageStatus{ID: cmd.id, Contact: cmd.to, State: StateQueued})
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

type markReadCmd struct {
	id   crypto.ID
	done chan error
}

func (cmd *markReadCmd) apply(ctx context.Context, m *contactManager) {
	if _, ok := m.contacts[cmd.id]; !ok {
		cmd.done <- ErrUnknownContact
		return
	}
	if _, err := m.store.MarkSeen(ctx, cmd.id); err != nil {
		cmd.done <- err
		return
	}
	if m.online(cmd.id) {
		m.sendPendingReceipts(ctx, cmd.id)
	}
	cmd.done <- nil
}

type typingCmd struct {
	id     crypto.ID
	active bool
	done   chan error
}

func (cmd *typingCmd) apply(ctx context.Context, m *contactManager) {
	if c, ok := m.contacts[cmd.id]; ok && c.State == store.ContactAccepted && m.online(cmd.id) {
		m.send(ctx, cmd.id, wire.Typing{Active: cmd.active})
	}
	cmd.done <- nil
}

type editCmd struct {
	id   crypto.ID
	edit func(*store.Contact)
	done chan error
}

func (cmd *editCmd) apply(ctx context.Context, m *contactManager) {
	c, ok := m.contacts[cmd.id]
	if !ok {
		cmd.done <- ErrUnknownContact
		return
	}
	next := *c
	cmd.edit(&next)
	if err := m.store.PutContact(ctx, next); err != nil {
		cmd.done <- err
		return
	}
	*c = next
	m.core.emit(ContactUpdated{Contact: m.view(ctx, c)})
	cmd.done <- nil
}

type removeCmd struct {
	id   crypto.ID
	done chan error
}

func (cmd *removeCmd) apply(ctx context.Context, m *contactManager) {
	if _, ok := m.contacts[cmd.id]; !ok {
		cmd.done <- ErrUnknownContact
		return
	}
	if err := m.store.DeleteContact(ctx, cmd.id); err != nil {
		cmd.done <- err
		return
	}
	delete(m.contacts, cmd.id)
	delete(m.flushing, cmd.id)
	// Only our hold: a group that shares this peer keeps its session.
	m.peers.release(holdContacts, cmd.id)
	m.core.emit(ContactRemoved{ID: cmd.id})
	cmd.done <- nil
}
