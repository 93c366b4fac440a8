package tui

import (
	"time"

	"jarvis/app"
)

// handleContactEvent applies what only chats have: requests, contacts
// coming and going. handleEvent renders afterwards.
func (u *UI) handleContactEvent(ev app.Event) {
	switch e := ev.(type) {
	case app.ContactRequest:
		u.upsertContact(e.Contact)
		u.sortConvs()
		who := plainPeerText(e.Contact.Name, false)
		u.alert(who+" wants to add you as a contact", "")
		u.offer(app.ContactChat(e.Contact.ID), who+" wants to add you as a contact. Alt+A opens the request.")
	case app.ContactAdded:
		conv := u.upsertContact(e.Contact)
		conv.loaded = false
		u.sortConvs()
		if u.cur == conv.id {
			u.loadLatest(conv)
		}
		u.notice(plainPeerText(e.Contact.Name, false) + " is now a contact. Compare safety numbers with /info.")
	case app.ContactUpdated:
		u.upsertContact(e.Contact)
		u.sortConvs()
	case app.ContactRejected:
		u.notice(plainPeerText(e.Name, false) + " declined your contact request.")
		u.drop(app.ContactChat(e.ID))
	case app.ContactRemoved:
		delete(u.presence, e.ID)
		u.drop(app.ContactChat(e.ID))
	}
}

// handlePresence follows a contact going on- or offline, the path it
// comes by, and typing.
func (u *UI) handlePresence(ev app.Event) {
	switch e := ev.(type) {
	case app.PeerStatus:
		if conv := u.notePresence(e); conv != nil && !e.Online {
			conv.typing = time.Time{}
		}
	case app.Typing:
		if conv := u.contact(e.Contact); conv != nil {
			conv.typing = time.Time{}
			if e.Active {
				conv.typing = time.Now().Add(typingTimeout)
			}
		}
	}
}

// offer shows a new request or invite: opened at once when nothing else
// is, otherwise with a notice saying how to get there.
func (u *UI) offer(k app.ConversationID, notice string) {
	if u.cur == (app.ConversationID{}) {
		u.open(k)
	} else if u.cur != k {
		u.notice(notice)
	}
}
