package tui

import (
	"jarvis/crypto"
	"time"

	"jarvis/app"
)

const (
	// pageSize is how many messages one History call loads.
	pageSize = 100
	// maxWindow caps the messages held for one conversation; older pages
	// push the newest out, and scrolling back down reloads them.
	maxWindow = 600
)

// conversation is the UI's state for one conversation, a 1:1 chat or a
// group: a direct chat is just another room. Messages, outgoing states,
// unread counts, paging, drafts and echoes work the same for both; only
// the description (contact or group) differs.
type conversation struct {
	id      app.ConversationID
	num     int         // place in the list, given once (convList.sortConvs)
	contact app.Contact // a chat's contact; zero for a group
	group   app.Group   // a group's description; zero for a chat
	inviter string      // the inviter's roster name, for a group invite

	// unread and last are kept here, not in contact or group, so the list
	// and the hotlist read every conversation the same way.
	unread int
	last   time.Time

	lines    []line // chronological window of history
	loaded   bool   // the newest page has been loaded
	loading  bool   // a History call is running
	hasOlder bool   // the store may hold messages before lines[0]
	hasNewer bool   // messages after the window were dropped
	marker   crypto.MessageID
	target   crypto.MessageID                      // the message a search opened, shown marked
	pending  map[crypto.MessageID]app.MessageState // statuses that beat their message

	draft  string
	typing time.Time // the peer's typing indicator shows until then (chats)

	// Where the view stands (chat_scroll.go): at the newest row, moving
	// with what arrives, or at row top; and the newest message read.
	follow   bool
	top      int
	readUpTo int64

	files []app.Transfer // this run's transfers with the contact, oldest first (files.go)

	note    noteText     // a notice about this conversation, kept until it is opened
	history inputHistory // what was sent and run here, for Up and Down
}

// line is a message, or a group's system line ("ann added bob") when
// msg.System is set. The core stores system lines in the group's history
// with an ID and a cursor, like messages; one without an ID lives only as
// long as the window.
type line struct {
	msg app.Message
}

func (l line) at() time.Time {
	if !l.msg.At.IsZero() {
		return l.msg.At
	}
	return l.msg.SentAt
}

func (l line) isMessage() bool { return !l.msg.System }

// stored says whether the line came from the store, or will be in it:
// it has an ID a history page can bring back.
func (l line) stored() bool { return l.msg.ID != (crypto.MessageID{}) }

// name is the contact's or group's name as the peer supplied it.
func (c *conversation) name() string {
	if c.id.IsGroup() {
		return c.group.Name
	}
	return c.contact.Name
}

// awaitingAnswer says whether a contact request or group invite waits for
// us to accept or reject it.
func (c *conversation) awaitingAnswer() bool {
	if c.id.IsGroup() {
		return c.group.State == app.GroupInvited
	}
	return c.contact.State == app.ContactPendingIn
}

// whyReadOnly says why we cannot write here, as a notice that says what
// to do; "" when we can.
func (c *conversation) whyReadOnly() string {
	if c.id.IsGroup() {
		switch c.group.State {
		case app.GroupActive:
			return ""
		case app.GroupInvited:
			return "Join the group first: /accept"
		}
		return "You are no longer in this group; you cannot write here."
	}
	switch c.contact.State {
	case app.ContactAccepted:
		return ""
	case app.ContactPendingIn:
		return "Accept the request first: /accept"
	}
	return "They have not accepted your request yet; you can write once they do."
}

// touch moves the latest activity forward to at (or now, if at is older:
// a late message still makes the conversation the latest).
func (c *conversation) touch(at time.Time) {
	if at.After(c.last) {
		c.last = at
	} else {
		c.last = time.Now()
	}
}

func (c *conversation) find(id crypto.MessageID) int {
	for i := len(c.lines) - 1; i >= 0; i-- {
		if c.lines[i].isMessage() && c.lines[i].msg.ID == id {
			return i
		}
	}
	return -1
}

// hasSystem says whether the stored system line id is in the window.
func (c *conversation) hasSystem(id crypto.MessageID) bool {
	for _, l := range c.lines {
		if !l.isMessage() && l.msg.ID == id {
			return true
		}
	}
	return false
}

// add appends a message unless it is already there, applying a status
// that arrived before it.
func (c *conversation) add(m app.Message) {
	if c.find(m.ID) >= 0 || m.System && c.hasSystem(m.ID) {
		return
	}
	if st, ok := c.pending[m.ID]; ok {
		delete(c.pending, m.ID)
		m.State = max(m.State, st)
	}
	c.lines = append(c.lines, line{msg: m})
}

// addSystem appends a live system line at now, unless a history load
// already brought it: the event and the stored line share the ID.
func (c *conversation) addSystem(e app.GroupSystem, now time.Time) {
	if e.ID != (crypto.MessageID{}) && c.hasSystem(e.ID) {
		return
	}
	c.lines = append(c.lines, line{msg: app.Message{
		ID: e.ID, Conversation: app.GroupChat(e.Group), Text: e.Text, At: now, Cursor: e.Cursor, System: true,
	}})
}

// setState moves an outgoing message forward; failed always applies. A
// status for a message not shown yet waits in pending.
func (c *conversation) setState(id crypto.MessageID, st app.MessageState) {
	i := c.find(id)
	if i < 0 {
		if c.pending == nil {
			c.pending = make(map[crypto.MessageID]app.MessageState)
		}
		c.pending[id] = max(c.pending[id], st)
		return
	}
	if m := &c.lines[i].msg; st > m.State || st == app.StateFailed {
		m.State = st
	}
}

// settle gives the echo of a message we sent the ID the core stored it
// under, so its statuses find it; err marks it failed. Echoes are matched
// by ID only: the same text sent twice is two messages.
func (c *conversation) settle(echo, id crypto.MessageID, err error) {
	i := c.find(echo)
	switch {
	case i < 0:
		return
	case err != nil:
		c.lines[i].msg.State = app.StateFailed
		return
	case c.find(id) >= 0: // a history load already brought the stored one
		c.lines = append(c.lines[:i], c.lines[i+1:]...)
		return
	}
	c.lines[i].msg.ID = id
	if st, ok := c.pending[id]; ok {
		delete(c.pending, id)
		c.setState(id, st)
	}
}

// markNew puts the "new messages" line before the first of the last n
// messages from others.
func (c *conversation) markNew(n int) {
	c.marker = crypto.MessageID{}
	for i := len(c.lines) - 1; i >= 0 && n > 0; i-- {
		if l := c.lines[i]; l.isMessage() && !l.msg.Outgoing {
			c.marker = l.msg.ID
			n--
		}
	}
}

// clear empties the window; the history stays in the store and PgUp
// loads it back.
func (c *conversation) clear() {
	c.lines, c.hasOlder, c.hasNewer, c.marker = nil, true, false, crypto.MessageID{}
}
