package tui

import (
	"time"

	"jarvis/app"
)

// typingTimeout hides a typing indicator the peer never cleared.
const typingTimeout = 6 * time.Second

// handleEvent applies one core event; it runs on the UI goroutine.
func (u *UI) handleEvent(ev app.Event) {
	if u.main == nil {
		return
	}
	switch e := ev.(type) {
	case app.Ready:
		u.self = e.Self
		u.engineUp = true
	case app.EngineStatus:
		u.engineUp = e.Up
		if !e.Up && e.Err != nil {
			u.notice("Network stopped: " + e.Err.Error())
		}
	case app.ContactRequest:
		u.upsert(e.Contact)
		u.sortConvs()
		u.alert(plainPeerText(e.Contact.Name, false)+" wants to add you as a contact", "")
		if u.cur.isZero() {
			u.open(contactKey(e.Contact.ID))
		} else if u.cur != contactKey(e.Contact.ID) {
			u.notice(plainPeerText(e.Contact.Name, false) + " wants to add you as a contact. Alt+A opens the request.")
		}
	case app.ContactAdded:
		conv := u.upsert(e.Contact)
		conv.loaded = false
		u.sortConvs()
		if u.cur == contactKey(e.Contact.ID) {
			u.loadLatest(e.Contact.ID)
		}
		u.notice(plainPeerText(e.Contact.Name, false) + " is now a contact. Compare safety numbers with /info.")
	case app.ContactUpdated:
		u.upsert(e.Contact)
		u.sortConvs()
	case app.ContactRejected:
		u.notice(plainPeerText(e.Name, false) + " declined your contact request.")
		u.drop(contactKey(e.ID))
	case app.ContactRemoved:
		u.drop(contactKey(e.ID))
	case app.PeerStatus:
		if conv := u.convs[e.ID]; conv != nil {
			conv.contact.Online = e.Online
			if !e.Online {
				conv.typing = time.Time{}
			}
		}
	case app.MessageReceived:
		if e.Message.Conversation.IsGroup() {
			u.groupReceived(e.Message)
		} else {
			u.received(e.Message)
		}
	case app.MessageStatus:
		if e.Conversation.IsGroup() {
			u.groupStatus(e)
		} else if conv := u.convs[e.Conversation.Contact()]; conv != nil {
			conv.setState(e.ID, e.State)
		}
	case app.Typing:
		if conv := u.convs[e.Contact]; conv != nil {
			conv.typing = time.Time{}
			if e.Active {
				conv.typing = time.Now().Add(typingTimeout)
			}
		}
	case app.GroupInvite, app.GroupUpdated, app.GroupSystem, app.GroupRemoved:
		u.handleGroupEvent(e)
	case app.Failure:
		u.notice(e.Op + " failed: " + e.Err.Error())
	}
	u.renderAll()
}

// received files an incoming message and tells the user if they are not
// looking at it.
func (u *UI) received(m app.Message) {
	conv := u.convs[m.Conversation.Contact()]
	if conv == nil {
		return
	}
	conv.typing = time.Time{}
	if m.At.After(conv.contact.LastActivity) {
		conv.contact.LastActivity = m.At
	} else {
		conv.contact.LastActivity = time.Now()
	}
	if conv.loaded {
		conv.add(m)
		if conv.hasNewer {
			conv.msgs = conv.msgs[:len(conv.msgs)-1]
		}
	}
	conv.contact.Unread++
	u.sortConvs()
	if u.watching(contactKey(m.Conversation.Contact())) {
		u.markRead(conv)
		if !u.hasFocus() {
			u.alert(plainPeerText(conv.contact.Name, false)+" sent you a message", m.Text)
		}
		return
	}
	if u.cur == contactKey(m.Conversation.Contact()) && conv.marker == (app.MessageID{}) {
		conv.marker = m.ID
	}
	u.alert(plainPeerText(conv.contact.Name, false)+" sent you a message", m.Text)
}

// hasFocus reports whether the terminal window has focus; a terminal
// that does not report focus counts as focused.
func (u *UI) hasFocus() bool { return u.term == nil || u.term.focused() }

// watching says whether the user is looking at conversation k.
func (u *UI) watching(k convKey) bool {
	return u.cur == k && !u.locked && u.dialog == ""
}

// drop forgets a conversation and, if it was open, moves to the first one.
func (u *UI) drop(k convKey) {
	if !u.exists(k) {
		return
	}
	delete(u.convs, k.contact)
	delete(u.groups, k.group)
	u.sortConvs()
	if u.cur != k {
		return
	}
	u.cur = convKey{}
	u.main.input.SetText("")
	if len(u.order) > 0 {
		u.open(u.order[0])
	}
}

// alert rings the bell and sends a desktop notification: body says who
// and where (already sanitised), text is shown only with Preview. While
// locked it names nobody.
func (u *UI) alert(body, text string) {
	if u.cfg.Bell && u.screen != nil {
		u.screen.Beep()
	}
	title := "Jarvis"
	if u.locked {
		body = "New activity"
	} else if u.cfg.Preview && text != "" {
		body += ": " + plainPeerText(text, false)
	}
	u.notifier.notify(u, title, body)
}
