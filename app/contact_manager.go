package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
	"jarvis/store"
)

const (
	// flushPage is how many outbox messages go to the engine at a time;
	// between pages the manager answers commands and acks.
	flushPage = 512
	// sendBatch caps how many queued Send commands are stored in one
	// transaction.
	sendBatch = 256
	// eventBatch caps how many engine events are folded into one store
	// transaction.
	eventBatch = 64
)

// contactManager is the goroutine that owns contacts and the outbox.
// Everything it holds is touched only by run and what run calls; who is
// online comes from the peers component.
type contactManager struct {
	core   *Core
	store  *store.Store
	peers  *peers
	log    *slog.Logger
	cmds   chan op[contactManager]
	events <-chan p2p.Event // from the router: peer changes and 1:1 messages

	contacts map[crypto.ID]*store.Contact
	safety   map[crypto.ID]string // safety numbers, computed once (keys never change)
	// flushing tracks, per online accepted contact, how far its outbox has
	// been handed to the current session.
	flushing map[crypto.ID]*flushState
	requests map[crypto.ID]*request // pending requests from strangers
	answered map[crypto.ID]uint64   // the session a repeated request was answered on
	unstored map[crypto.ID]uint64   // a session whose texts we failed to store: later ones on it are ignored
	rejected *store.RejectList      // nil if it could not be loaded
	caps     requestCaps
	now      func() time.Time
	// held is, per contact, the messages that edits or deletes wait for
	// (message_ops.go); a contact not in it is read from the store once.
	held map[crypto.ID]map[crypto.MessageID]bool
}

// flushState is one contact's outbox flush within one session.
type flushState struct {
	session uint64 // the session the cursor counts for
	cursor  int64  // Seq of the last message handed to the session
	due     bool   // the outbox may hold messages after cursor
	parked  bool   // the session's queue was full; waiting for room
}

func newContactManager(c *Core, events <-chan p2p.Event) *contactManager {
	return &contactManager{
		events:   events,
		core:     c,
		store:    c.account.store,
		peers:    c.peers,
		log:      c.log.With("room", "contacts"),
		cmds:     make(chan op[contactManager], sendBatch),
		contacts: make(map[crypto.ID]*store.Contact),
		safety:   make(map[crypto.ID]string),
		flushing: make(map[crypto.ID]*flushState),
		requests: make(map[crypto.ID]*request),
		answered: make(map[crypto.ID]uint64),
		held:     make(map[crypto.ID]map[crypto.MessageID]bool),
		unstored: make(map[crypto.ID]uint64),
		caps:     requestCaps{total: maxPendingRequests, perPrefix: maxRequestsPerPrefix},
		now:      time.Now,
	}
}

func (m *contactManager) run(ctx context.Context) {
	if err := m.load(ctx); err != nil {
		m.core.emit(Failure{Op: "load contacts", Err: err})
	}
	m.publish()
	m.core.emit(Ready{Self: m.core.Self()})
	serve[contactManager](ctx, m, mailboxes[contactManager]{cmds: m.cmds, events: m.events, room: m.peers.room(holdContacts)})
}

// The contact manager as an actor: its background work is the outbox flush.
func (m *contactManager) pending() bool                                     { return m.pendingFlush() }
func (m *contactManager) step(ctx context.Context)                          { m.flushStep(ctx) }
func (m *contactManager) command(ctx context.Context, o op[contactManager]) { m.handleCommand(ctx, o) }
func (m *contactManager) engine(ctx context.Context, ev p2p.Event)          { m.handleEngine(ctx, ev) }
func (m *contactManager) room()                                             { m.resumeFlush() }

// load reads every contact and holds sessions with the ones we talk to or
// are waiting on.
func (m *contactManager) load(ctx context.Context) error {
	m.loadRejected(ctx)
	list, err := m.store.Contacts(ctx)
	if err != nil {
		return err
	}
	for i := range list {
		c := list[i]
		m.contacts[c.ID] = &c
		if c.State == store.ContactPendingIn {
			m.requests[c.ID] = &request{}
			continue
		}
		m.peers.connect(holdContacts, p2p.Target{Keys: c.Keys, Addrs: c.Addrs})
	}
	return nil
}

// handleCommand applies cmd; a run of queued sends is stored together.
func (m *contactManager) handleCommand(ctx context.Context, cmd op[contactManager]) {
	send, ok := cmd.(*sendCmd)
	if !ok {
		cmd.apply(ctx, m)
		return
	}
	batch := []*sendCmd{send}
	for len(batch) < sendBatch {
		select {
		case next := <-m.cmds:
			s, ok := next.(*sendCmd)
			if !ok {
				m.sendBatch(ctx, batch)
				next.apply(ctx, m)
				return
			}
			batch = append(batch, s)
		default:
			m.sendBatch(ctx, batch)
			return
		}
	}
	m.sendBatch(ctx, batch)
}

// handleEngine folds a run of waiting engine events into as few
// transactions as their order allows.
func (m *contactManager) handleEngine(ctx context.Context, ev p2p.Event) {
	in := newInbox()
	m.applyEngineEvent(ctx, ev, in)
	for i := 1; i < eventBatch; i++ {
		next, ok := m.pollEngine()
		if !ok {
			break
		}
		m.applyEngineEvent(ctx, next, in)
	}
	m.commitInbox(ctx, in)
}

func (m *contactManager) pollEngine() (p2p.Event, bool) {
	select {
	case ev := <-m.events:
		return ev, true
	default:
		return nil, false
	}
}

func (m *contactManager) applyEngineEvent(ctx context.Context, ev p2p.Event, in *inbox) {
	switch ev := ev.(type) {
	case p2p.PeerUp:
		m.commitInbox(ctx, in)
		m.peerUp(ctx, ev.Peer)
	case p2p.PeerDown:
		m.commitInbox(ctx, in)
		if _, ok := m.contacts[ev.ID]; ok { // a stranger's word is not worth a notice
			m.core.noteSuperseded(ev)
		}
		m.peerDown(ev)
	case p2p.Received:
		m.received(ctx, ev, in)
	}
}

func (m *contactManager) peerUp(ctx context.Context, p p2p.PeerInfo) {
	c, ok := m.contacts[p.ID]
	if !ok {
		m.log.Debug("stranger connected", "peer", p.ID)
		if m.rejected != nil && m.rejected.Has(p.ID) {
			m.dropRejected(ctx, p.ID)
		}
		return
	}
	m.learnAddrs(ctx, c, m.peers.learned(p.ID, p.Addrs))
	switch c.State {
	case store.ContactPendingOut:
		m.send(ctx, p.ID, m.requestMessage())
	case store.ContactAccepted:
		// Repeat our consent first: if they missed it while offline, they
		// would drop the texts that follow as coming from a non-contact.
		m.send(ctx, p.ID, wire.ContactAccept{Name: m.core.self.Name})
		m.core.emit(m.peerStatus(p.ID))
		m.startFlush(p.ID, p.Session)
		m.sendPendingReceipts(ctx, p.ID)
	}
}

func (m *contactManager) peerDown(ev p2p.PeerDown) {
	if f, ok := m.flushing[ev.ID]; ok && f.session == ev.Session {
		delete(m.flushing, ev.ID)
	}
	if pr, ok := m.peers.get(ev.ID); ok && pr.Session != ev.Session {
		return // already replaced by a newer session; its PeerUp follows
	}
	if c, ok := m.contacts[ev.ID]; ok && c.State == store.ContactAccepted {
		m.core.emit(m.peerStatus(ev.ID))
	}
}

func (m *contactManager) online(id crypto.ID) bool { return m.peers.online(id) }

// peerStatus is id's presence as the frontend sees it.
func (m *contactManager) peerStatus(id crypto.ID) PeerStatus {
	pr, ok := m.peers.get(id)
	if !ok {
		return PeerStatus{ID: id, LastSeen: m.peers.lastSeen(id)}
	}
	return PeerStatus{ID: id, Online: true, Path: pr.Path, Remote: pr.Remote}
}

// send hands messages to the peer's session without waiting. A full queue
// costs nothing durable: the outbox keeps texts until acked, and a lost
// receipt or ack is sent again on the next session.
func (m *contactManager) send(_ context.Context, id crypto.ID, msgs ...wire.Message) error {
	return m.peers.send(id, msgs...)
}

func (m *contactManager) requestMessage() wire.Message {
	return wire.ContactRequest{Name: m.core.self.Name, Addrs: m.core.Self().Addrs}
}

func (m *contactManager) startFlush(id crypto.ID, session uint64) {
	m.flushing[id] = &flushState{session: session, due: true}
}

// kickFlush marks a contact's outbox as holding messages to send.
func (m *contactManager) kickFlush(id crypto.ID) {
	if f, ok := m.flushing[id]; ok {
		f.due = true
	}
}

func (m *contactManager) pendingFlush() bool {
	for _, f := range m.flushing {
		if f.due {
			return true
		}
	}
	return false
}

// flushStep sends one page of one contact's outbox.
func (m *contactManager) flushStep(ctx context.Context) {
	for id, f := range m.flushing {
		if !f.due {
			continue
		}
		page, err := m.store.Outbox(ctx, id, f.cursor, m.peers.batch(flushPage))
		if err != nil {
			m.core.emit(Failure{Op: "read outbox", Err: err})
			f.due = false
			return
		}
		if len(page) == 0 {
			f.due = false
			return
		}
		if err := m.sendPage(ctx, id, page); err != nil {
			if errors.Is(err, p2p.ErrQueueFull) {
				f.due, f.parked = false, true // resumeFlush wakes it on room
			} else {
				delete(m.flushing, id)
			}
			return
		}
		f.cursor = page[len(page)-1].Seq
		return
	}
}

// sendPage hands outbox messages to the session in order. "Sent" is
// reported but not stored: storing it would cost a write per message, and
// after a restart an unacknowledged message is queued again anyway.
func (m *contactManager) sendPage(ctx context.Context, id crypto.ID, page []store.Message) error {
	msgs := make([]wire.Message, len(page))
	for i, p := range page {
		msgs[i] = chatRecord(p)
	}
	if err := m.send(ctx, id, msgs...); err != nil {
		return err
	}
	for _, p := range page {
		if p.State == store.StateQueued && p.Kind == store.KindText {
			m.core.emit(MessageStatus{Conversation: ContactChat(id), ID: p.ID, State: StateSent})
		}
	}
	return nil
}

// resumeFlush wakes the flushes parked on a full queue. Room on one
// session wakes them all; one still full parks again at its next send,
// which re-arms the engine's signal, so nothing polls.
func (m *contactManager) resumeFlush() {
	for _, f := range m.flushing {
		if f.parked {
			f.due, f.parked = true, false
		}
	}
}

// advance moves our messages forward and reports each change.
func (m *contactManager) advance(ctx context.Context, id crypto.ID, ids []crypto.MessageID, st store.MessageState) {
	if len(ids) == 0 {
		return
	}
	changed, err := m.store.AdvanceStates(ctx, id, ids, st)
	if err != nil {
		m.core.emit(Failure{Op: "update message state", Err: err})
		return
	}
	for _, mid := range changed {
		m.core.emit(MessageStatus{Conversation: ContactChat(id), ID: mid, State: st})
	}
	if st == store.StateDelivered && len(changed) > 0 {
		// Our edits among them are out of the outbox: their copies of the
		// text can go (message_ops.go).
		if err := m.store.ClearAckedEdits(ctx, id, changed); err != nil {
			m.core.emit(Failure{Op: "clear sent edits", Err: err})
		}
	}
}
