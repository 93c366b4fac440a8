package tui

import (
	"errors"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// typingTimeout hides a typing indicator the peer never cleared.
const typingTimeout = 6 * time.Second

// maxEventBatch caps the core events applied between two renders.
const maxEventBatch = 256

// handleEvents applies a batch of core events and renders once; it runs
// on the UI goroutine. One render per event would let a burst (a flood of
// contact requests) queue draws ahead of the user's keys.
func (u *UI) handleEvents(evs []app.Event) {
	if u.main == nil {
		return
	}
	for _, ev := range evs {
		u.applyEvent(ev)
	}
	u.renderAll()
}

// nextEvents returns first and whatever else events holds right now, up
// to limit in all, without waiting.
func nextEvents(first app.Event, events <-chan app.Event, limit int) []app.Event {
	batch := []app.Event{first}
	for len(batch) < limit {
		select {
		case ev, ok := <-events:
			if !ok {
				return batch
			}
			batch = append(batch, ev)
		default:
			return batch
		}
	}
	return batch
}

// applyEvent applies one core event to the UI's state.
func (u *UI) applyEvent(ev app.Event) {
	switch e := ev.(type) {
	case app.Ready:
		u.self = e.Self
		u.engineUp = true
	case app.EngineStatus:
		u.engineUp, u.tor = e.Up, e.Tor
		if !e.Up && e.Err != nil {
			u.notice("Network stopped: " + e.Err.Error())
		}
	case app.MessageReceived:
		u.received(e.Message)
	case app.MessageStatus:
		if conv := u.convs[e.Conversation]; conv != nil {
			conv.setState(e.ID, e.State)
		}
	case app.MessageEdited, app.MessageDeleted, app.ReactionSet:
		u.handleMessageOp(e)
	case app.PeerStatus, app.Typing:
		u.handlePresence(e)
	case app.ContactRequest, app.ContactAdded, app.ContactUpdated, app.ContactRejected, app.ContactRemoved:
		u.handleContactEvent(e)
	case app.GroupInvite, app.GroupUpdated, app.GroupSystem, app.GroupRemoved:
		u.handleGroupEvent(e)
	case app.Paired, app.PairFailed:
		u.handlePairEvent(e)
	case app.IndexProgress:
		u.indexProgress(e)
	case app.FileOffered, app.FileProgress, app.FileDone, app.FileFailed:
		u.handleFileEvent(e)
	case app.Failure:
		if errors.Is(e.Err, app.ErrTampered) {
			u.tampered = true
			u.notice("Stored data was changed outside Jarvis (" + e.Op + "). Restore the data directory from a backup.")
			break
		}
		if errors.Is(e.Err, app.ErrActiveElsewhere) {
			u.elsewhere = true // the status bar keeps saying it
			u.notice("This identity is active on another device: contacts it reached talk to that one now. Quit Jarvis here, or restart it here to take over.")
			break
		}
		u.notice(e.Op + " failed: " + e.Err.Error())
	}
}

// received files an incoming message, in a chat or a group, and tells the
// user if they are not looking at it. Our own messages arrive as
// MessageStatus.
func (u *UI) received(m app.Message) {
	conv := u.convs[m.Conversation]
	if conv == nil {
		return
	}
	conv.typing = time.Time{}
	conv.touch(m.At)
	if conv.loaded && !conv.hasNewer {
		conv.add(m)
	}
	conv.unread++
	u.sortConvs()
	alert := conv.alertText(m)
	if u.cur == conv.id && conv.marker == (crypto.MessageID{}) && !(u.watching(conv.id) && conv.follow) {
		conv.marker = m.ID // not seen as it arrives: the rule goes above it
	}
	if u.watching(conv.id) && conv.follow {
		// Shown at once (the render marks it read); the bell only for a
		// terminal in the background.
		if !u.hasFocus() {
			u.alert(alert, m.Text)
		}
		return
	}
	u.alert(alert, m.Text)
}

// alertText says who wrote, and where: "Bob sent you a message", "Bob
// wrote in #team".
func (c *conversation) alertText(m app.Message) string {
	who := plainPeerText(c.authorName(m), false)
	if c.id.IsGroup() {
		return who + " wrote in #" + plainPeerText(c.name(), false)
	}
	return who + " sent you a message"
}

// hasFocus reports whether the terminal window has focus; a terminal
// that does not report focus counts as focused.
func (u *UI) hasFocus() bool { return u.term == nil || u.term.focused() }

// watching says whether the user is looking at conversation k.
func (u *UI) watching(k app.ConversationID) bool {
	return u.cur == k && !u.locked && u.dialog == ""
}

// drop forgets a conversation and, if it was open, moves to the first one.
func (u *UI) drop(k app.ConversationID) {
	if !u.exists(k) {
		return
	}
	delete(u.convs, k)
	u.sortConvs()
	if u.cur != k {
		return
	}
	u.cur = app.ConversationID{}
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
