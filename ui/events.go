package ui

import (
	"time"

	"jarvis/app"
	"jarvis/crypto"
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
		u.alert(e.Contact.Name, "wants to add you as a contact", "")
		if u.cur.IsZero() {
			u.open(e.Contact.ID)
		} else if u.cur != e.Contact.ID {
			u.notice(plainPeerText(e.Contact.Name, false) + " wants to add you as a contact. Alt+A opens the request.")
		}
	case app.ContactAdded:
		conv := u.upsert(e.Contact)
		conv.loaded = false
		u.sortConvs()
		if u.cur == e.Contact.ID {
			u.loadLatest(u.cur)
		}
		u.notice(plainPeerText(e.Contact.Name, false) + " is now a contact. Compare safety numbers with /info.")
	case app.ContactUpdated:
		u.upsert(e.Contact)
		u.sortConvs()
	case app.ContactRejected:
		u.notice(plainPeerText(e.Name, false) + " declined your contact request.")
		u.drop(e.ID)
	case app.ContactRemoved:
		u.drop(e.ID)
	case app.PeerStatus:
		if conv := u.convs[e.ID]; conv != nil {
			conv.contact.Online = e.Online
			if !e.Online {
				conv.typing = time.Time{}
			}
		}
	case app.MessageReceived:
		u.received(e.Message)
	case app.MessageStatus:
		if conv := u.convs[e.Contact]; conv != nil {
			conv.setState(e.ID, e.State)
		}
	case app.Typing:
		if conv := u.convs[e.Contact]; conv != nil {
			conv.typing = time.Time{}
			if e.Active {
				conv.typing = time.Now().Add(typingTimeout)
			}
		}
	case app.Failure:
		u.notice(e.Op + " failed: " + e.Err.Error())
	}
	u.renderAll()
}

// received files an incoming message and tells the user if they are not
// looking at it.
func (u *UI) received(m app.Message) {
	conv := u.convs[m.Contact]
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
	watching := u.cur == m.Contact && !u.locked && u.dialog == ""
	if watching {
		u.markRead(conv)
		return
	}
	if u.cur == m.Contact && conv.marker == (app.MessageID{}) {
		conv.marker = m.ID
	}
	u.alert(conv.contact.Name, "sent you a message", m.Text)
}

// drop forgets a conversation and, if it was open, moves to the first one.
func (u *UI) drop(id crypto.ID) {
	if u.convs[id] == nil {
		return
	}
	delete(u.convs, id)
	u.sortConvs()
	if u.cur != id {
		return
	}
	u.cur = crypto.ID{}
	u.main.input.SetText("")
	if len(u.order) > 0 {
		u.open(u.order[0])
	}
}

// alert rings the bell and sends a desktop notification. While locked it
// names nobody.
func (u *UI) alert(name, what, text string) {
	if u.cfg.Bell && u.screen != nil {
		u.screen.Beep()
	}
	title := "Jarvis"
	body := plainPeerText(name, false) + " " + what
	if u.locked {
		body = "New activity"
	} else if u.cfg.Preview && text != "" {
		body += ": " + plainPeerText(text, false)
	}
	u.notifier.notify(u, title, body)
}
