package tui

import (
	"context"
	"strings"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

const (
	// pageSize is how many messages one History call loads.
	pageSize = 100
	// maxWindow caps the messages held for one conversation; older pages
	// push the newest out, and scrolling back down reloads them.
	maxWindow = 600
)

// conversation is the UI's state for one contact: a window of loaded
// messages, the draft, and transient marks.
type conversation struct {
	contact  app.Contact
	msgs     []app.Message // chronological window of history
	loaded   bool          // the newest page has been loaded
	loading  bool          // a History call is running
	hasOlder bool          // the store may hold messages before msgs[0]
	hasNewer bool          // messages after the window were dropped
	draft    string
	typing   time.Time // the peer's typing indicator shows until then
	marker   app.MessageID
	pending  map[app.MessageID]app.MessageState // statuses that beat their message
}

func (c *conversation) find(id app.MessageID) int {
	for i := len(c.msgs) - 1; i >= 0; i-- {
		if c.msgs[i].ID == id {
			return i
		}
	}
	return -1
}

// setState moves an outgoing message forward; failed always applies.
func (c *conversation) setState(id app.MessageID, st app.MessageState) {
	i := c.find(id)
	if i < 0 {
		if c.pending == nil {
			c.pending = make(map[app.MessageID]app.MessageState)
		}
		if st > c.pending[id] {
			c.pending[id] = st
		}
		return
	}
	if cur := c.msgs[i].State; st > cur || st == app.StateFailed {
		c.msgs[i].State = st
	}
}

// add appends a message unless it is already there.
func (c *conversation) add(m app.Message) {
	if c.find(m.ID) >= 0 {
		return
	}
	if st, ok := c.pending[m.ID]; ok {
		delete(c.pending, m.ID)
		if st > m.State {
			m.State = st
		}
	}
	c.msgs = append(c.msgs, m)
}

// markNew puts the "new messages" line before the first of the last n
// incoming messages.
func (c *conversation) markNew(n int) {
	c.marker = app.MessageID{}
	for i := len(c.msgs) - 1; i >= 0 && n > 0; i-- {
		if !c.msgs[i].Outgoing {
			c.marker = c.msgs[i].ID
			n--
		}
	}
}

// renderChat fills the message view with the open conversation.
func (u *UI) renderChat() {
	mv := u.main
	if u.cur.isGroup() {
		u.renderGroupChat(u.groups[u.cur.group])
		return
	}
	conv := u.convs[u.cur.contact]
	if conv == nil {
		mv.chat.SetText(u.welcomeText())
		mv.chat.ScrollToBeginning()
		return
	}
	_, _, width, _ := mv.chat.GetInnerRect()
	var b strings.Builder
	switch conv.contact.State {
	case app.ContactPendingIn:
		b.WriteString(u.theme.paint("yellow", peerText(conv.contact.Name, false)+" wants to add you as a contact.") +
			"\nID " + conv.contact.ID.String() +
			"\nIf you expected this, type /accept; otherwise /reject. /info shows their details.\n")
	case app.ContactPendingOut:
		b.WriteString(u.theme.paint("gray", "Waiting for "+peerText(conv.contact.Name, false)+
			" to accept your request. They must be online once; it is retried automatically.") + "\n")
	}
	if conv.hasOlder {
		b.WriteString(u.theme.paint("gray", "↑ PgUp for older messages") + "\n")
	}
	now := time.Now()
	var prev time.Time
	for i, m := range conv.msgs {
		at := m.At
		if at.IsZero() {
			at = m.SentAt
		}
		at = at.Local()
		if i == 0 || !sameDay(prev, at) {
			b.WriteString(u.theme.paint("gray", separator(dayLabel(at, now), width)) + "\n")
		}
		prev = at
		if m.ID == conv.marker && !m.Outgoing {
			b.WriteString(u.theme.paint("red", separator("new messages", width)) + "\n")
		}
		b.WriteString(u.theme.paint("gray", at.Format("15:04")) + " ")
		if m.Outgoing {
			b.WriteString(u.theme.paint("teal", "[::b]"+peerText(u.self.Name, false)+"[::-]"))
		} else {
			b.WriteString(u.theme.paint("yellow", "[::b]"+peerText(conv.contact.Name, false)+"[::-]"))
		}
		b.WriteString(": " + peerText(m.Text, true))
		if m.Outgoing {
			b.WriteString(" " + u.theme.stateMark(m.State))
		}
		b.WriteString("\n")
	}
	if len(conv.msgs) == 0 && conv.contact.State == app.ContactAccepted && conv.loaded {
		b.WriteString(u.theme.paint("gray", "No messages yet. Type below and press Enter.") + "\n")
	}
	if conv.hasNewer {
		b.WriteString(u.theme.paint("gray", "↓ PgDn for newer messages") + "\n")
	}
	mv.chat.SetText(strings.TrimSuffix(b.String(), "\n"))
}

func (u *UI) welcomeText() string {
	var b strings.Builder
	b.WriteString("[::b]Jarvis[::-] — end-to-end encrypted, peer to peer.\n\n")
	if u.firstRun {
		b.WriteString(u.theme.paint("green", "Your identity is ready.") + "\n")
	}
	b.WriteString("To chat with someone, exchange link codes:\n" +
		"  1. type /code to show yours (with a QR code and a copy button), send it to them;\n" +
		"  2. they type /add followed by your code, and you /accept their request —\n" +
		"     or you /add their code and they accept.\n" +
		"Then compare safety numbers with /info and mark them verified.\n\n" +
		"F1 or ? shows every key and command.")
	return b.String()
}

// loadLatest loads the newest page of the conversation.
func (u *UI) loadLatest(id crypto.ID) {
	conv := u.convs[id]
	if conv == nil || conv.loading || u.core == nil {
		return
	}
	conv.loading = true
	core := u.core
	u.async(func(ctx context.Context) func() {
		msgs, err := core.History(ctx, app.ContactChat(id), 0, pageSize)
		return func() {
			conv.loading = false
			if err != nil {
				u.notice("Could not read history: " + err.Error())
				return
			}
			// Keep messages that arrived while loading (local echoes, events).
			for _, m := range conv.msgs {
				if m.Cursor == 0 || (len(msgs) > 0 && m.Cursor > msgs[len(msgs)-1].Cursor) {
					msgs = appendUnique(msgs, m)
				}
			}
			conv.msgs = msgs
			conv.loaded = true
			conv.hasOlder = len(msgs) >= pageSize
			conv.hasNewer = false
			if u.cur == contactKey(id) {
				if conv.contact.Unread > 0 {
					conv.markNew(conv.contact.Unread)
				}
				u.markRead(conv)
				u.renderChat()
				u.main.chat.ScrollToEnd()
			}
		}
	})
}

func appendUnique(msgs []app.Message, m app.Message) []app.Message {
	for _, x := range msgs {
		if x.ID == m.ID {
			return msgs
		}
	}
	return append(msgs, m)
}

// loadOlder prepends the page before the window, keeping the view still.
func (u *UI) loadOlder(id crypto.ID) {
	conv := u.convs[id]
	if conv == nil || conv.loading || !conv.hasOlder || u.core == nil {
		return
	}
	before := int64(0)
	for _, m := range conv.msgs {
		if m.Cursor != 0 {
			before = m.Cursor
			break
		}
	}
	if before == 0 {
		u.loadLatest(id)
		return
	}
	conv.loading = true
	core := u.core
	u.async(func(ctx context.Context) func() {
		older, err := core.History(ctx, app.ContactChat(id), before, pageSize)
		return func() {
			conv.loading = false
			if err != nil {
				u.notice("Could not read history: " + err.Error())
				return
			}
			conv.hasOlder = len(older) >= pageSize
			conv.msgs = append(older, conv.msgs...)
			if len(conv.msgs) > maxWindow {
				conv.msgs = conv.msgs[:maxWindow]
				conv.hasNewer = true
			}
			if u.cur != contactKey(id) {
				return
			}
			u.keepScroll()
		}
	})
}

// keepScroll re-renders the chat after older lines were put on top,
// keeping the same lines in view.
func (u *UI) keepScroll() {
	chat := u.main.chat
	row, _ := chat.GetScrollOffset()
	lines := chat.GetWrappedLineCount()
	u.renderChat()
	chat.ScrollTo(row+chat.GetWrappedLineCount()-lines, 0)
}

// scrollChat moves the message view by delta lines (negative is up),
// loading older or newer pages at either end.
func (u *UI) scrollChat(delta int) {
	chat := u.main.chat
	_, _, _, h := chat.GetInnerRect()
	row, _ := chat.GetScrollOffset()
	total := chat.GetWrappedLineCount()
	if row > total-h { // tracking the end: the offset lags behind
		row = max(0, total-h)
	}
	row += delta
	if row <= 0 {
		chat.ScrollTo(0, 0)
		if u.cur.isGroup() {
			u.loadGroupOlder(u.cur.group)
		} else {
			u.loadOlder(u.cur.contact)
		}
		return
	}
	if row >= total-h {
		chat.ScrollToEnd()
		if delta <= 0 {
			return
		}
		if conv := u.convs[u.cur.contact]; conv != nil && conv.hasNewer {
			u.loadLatest(u.cur.contact)
		}
		if gc := u.groups[u.cur.group]; gc != nil && gc.hasNewer {
			u.loadGroupLatest(u.cur.group)
		}
		return
	}
	chat.ScrollTo(row, 0)
}

// markCurrentRead marks the open conversation read.
func (u *UI) markCurrentRead() {
	if conv := u.convs[u.cur.contact]; conv != nil {
		u.markRead(conv)
	}
	if gc := u.groups[u.cur.group]; gc != nil {
		u.markGroupRead(gc)
	}
}

// markRead clears the unread count of the open conversation and tells the
// core, unless the screen is locked (nobody is reading).
func (u *UI) markRead(conv *conversation) {
	if u.locked || conv.contact.State != app.ContactAccepted {
		return
	}
	had := conv.contact.Unread
	conv.contact.Unread = 0
	if had == 0 {
		return
	}
	u.renderList()
	core, id := u.core, conv.contact.ID
	u.async(func(ctx context.Context) func() {
		if err := core.MarkRead(ctx, app.ContactChat(id)); err != nil && ctx.Err() == nil {
			return func() { u.notice("Could not send read receipts: " + err.Error()) }
		}
		return nil
	})
}
