package app

import (
	"sync"
	"time"

	"jarvis/crypto"
)

// Event is something the core reports to a frontend. The concrete types
// below are the whole set; frontends switch on them.
type Event interface{ isEvent() }

// Ready is sent once the engine listens and contacts are being dialled.
type Ready struct{ Self Self }

// ContactRequest reports a stranger asking to become a contact.
type ContactRequest struct{ Contact Contact }

// ContactAdded reports a contact both sides have accepted.
type ContactAdded struct{ Contact Contact }

// ContactUpdated reports a change to a contact: name, verification,
// addresses, or a new outgoing request.
type ContactUpdated struct{ Contact Contact }

// ContactRejected reports that a person declined our contact request.
type ContactRejected struct {
	ID   crypto.ID
	Name string
}

// ContactRemoved reports a contact deleted on this device.
type ContactRemoved struct{ ID crypto.ID }

// PeerStatus reports a contact coming online, going offline or moving to
// another path (an offline event, then an online one).
type PeerStatus struct {
	ID       crypto.ID
	Online   bool
	Path     string    // online: PathDirect, PathLAN or PathOnion
	Remote   string    // online: the address where it helps (see Presence)
	LastSeen time.Time // offline: when the last session ended; zero if not since start
}

// MessageReceived reports a new incoming message of any conversation,
// already stored. Our own messages are reported by MessageStatus instead.
type MessageReceived struct{ Message Message }

// MessageStatus reports a state change of one of our own messages, in a
// chat or a group: queued once stored (before Send returns its ID), then
// sent, and for a chat delivered and read. Frontends match it by ID.
type MessageStatus struct {
	Conversation ConversationID
	ID           crypto.MessageID
	State        MessageState
}

// MessageEdited reports a message whose text its author changed: Text is
// the latest, EditedAt the author's clock of that edit.
type MessageEdited struct {
	Conversation ConversationID
	ID           crypto.MessageID
	Text         string
	EditedAt     time.Time
}

// MessageDeleted reports a message whose text was removed, by its author
// (or a group admin) for everyone, or on this device only.
type MessageDeleted struct {
	Conversation ConversationID
	ID           crypto.MessageID
}

// ReactionSet reports From's reaction to message ID; Emoji "" took it
// back. The whole list comes with History.
type ReactionSet struct {
	Conversation ConversationID
	ID           crypto.MessageID
	From         crypto.ID
	Emoji        string
}

// Typing reports that a contact started or stopped typing.
type Typing struct {
	Contact crypto.ID
	Active  bool
}

// EngineStatus reports whether the network engine is running.
type EngineStatus struct {
	Up  bool
	Err error
	Tor TorStatus // sent again on every change
}

// Failure reports a background operation that failed, such as a write to a
// full disk. Err is safe to show: it never holds message text or names.
type Failure struct {
	Op  string
	Err error
}

// GroupInvite reports an invite to a group, from a contact who is an
// admin of it. Answer with AcceptInvite or DeclineInvite.
type GroupInvite struct {
	Group    Group
	From     crypto.ID
	FromName string // the inviter's name in the roster
}

// GroupUpdated reports any change to a group: roster, roles, name,
// description, state, or a member coming online or going offline.
type GroupUpdated struct{ Group Group }

// GroupSystem is a line for the conversation: joins, leaves, removals,
// role changes, renames, address changes, fork switches. Text holds names
// from the roster. The line is kept in the group's history, where History
// returns it as a Message with System set, this ID and this Cursor.
type GroupSystem struct {
	Group  crypto.GroupID
	Text   string
	ID     crypto.MessageID
	Cursor int64
}

// GroupRemoved reports a group deleted on this device.
type GroupRemoved struct{ ID crypto.GroupID }

// File transfers (files.go). Each carries the transfer as it stands.
type (
	// FileOffered reports a new transfer: an offer to us, or ours stored.
	FileOffered struct{ Transfer Transfer }
	// FileProgress reports progress or a state change of a running
	// transfer, at most four times a second.
	FileProgress struct{ Transfer Transfer }
	// FileDone reports a transfer finished: saved at Transfer.Path
	// (received) or confirmed by the receiver (sent).
	FileDone struct{ Transfer Transfer }
	// FileFailed reports a transfer that failed, was rejected or was
	// cancelled; Transfer.State and Reason say which and why.
	FileFailed struct{ Transfer Transfer }
)

func (FileOffered) isEvent()  {}
func (FileProgress) isEvent() {}
func (FileDone) isEvent()     {}
func (FileFailed) isEvent()   {}

func (Ready) isEvent()           {}
func (GroupInvite) isEvent()     {}
func (GroupUpdated) isEvent()    {}
func (GroupSystem) isEvent()     {}
func (GroupRemoved) isEvent()    {}
func (ContactRequest) isEvent()  {}
func (ContactAdded) isEvent()    {}
func (ContactUpdated) isEvent()  {}
func (ContactRejected) isEvent() {}
func (ContactRemoved) isEvent()  {}
func (PeerStatus) isEvent()      {}
func (MessageReceived) isEvent() {}
func (MessageStatus) isEvent()   {}
func (Typing) isEvent()          {}
func (EngineStatus) isEvent()    {}
func (Failure) isEvent()         {}

// Message operations (message_ops.go).
func (MessageEdited) isEvent()  {}
func (MessageDeleted) isEvent() {}
func (ReactionSet) isEvent()    {}

// eventQueue decouples the managers from the frontend: emit never blocks,
// so a slow screen cannot stall the network, and events keep their order.
type eventQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []Event
	closed bool
	out    chan Event
}

func newEventQueue() *eventQueue {
	q := &eventQueue{out: make(chan Event, 64)}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *eventQueue) emit(e Event) {
	q.mu.Lock()
	if !q.closed {
		q.items = append(q.items, e)
		q.cond.Signal()
	}
	q.mu.Unlock()
}

// run forwards queued events to out until close is called and the queue is
// drained or abandoned, then closes out.
func (q *eventQueue) run(stop <-chan struct{}) {
	defer close(q.out)
	for {
		q.mu.Lock()
		for len(q.items) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.items) == 0 {
			q.mu.Unlock()
			return
		}
		e := q.items[0]
		q.items[0] = nil
		q.items = q.items[1:]
		q.mu.Unlock()
		select {
		case q.out <- e:
		case <-stop:
			return
		}
	}
}

func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}
