package tui

import (
	"context"
	"strings"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// sendRequest is one message for the sender goroutine. echo is the
// temporary ID of the message shown at once, replaced by the real one.
type sendRequest struct {
	to    crypto.ID
	group crypto.GroupID // set for a group message (to is then zero)
	text  string
	echo  app.MessageID
}

// sender hands messages to the core one at a time, so they keep the order
// they were typed in without blocking the UI.
func (u *UI) sender(core appCore) {
	for {
		select {
		case <-u.ctx.Done():
			return
		case r := <-u.sends:
			if r.group != (crypto.GroupID{}) {
				id, err := core.Send(u.ctx, app.GroupChat(r.group), r.text)
				u.post(func() { u.groupSent(r, id, err) })
				continue
			}
			id, err := core.Send(u.ctx, app.ContactChat(r.to), r.text)
			u.post(func() { u.sent(r, id, err) })
		}
	}
}

func (u *UI) sent(r sendRequest, id app.MessageID, err error) {
	conv := u.convs[r.to]
	if conv == nil {
		return
	}
	i := conv.find(r.echo)
	if err != nil {
		if i >= 0 {
			conv.msgs[i].State = app.StateFailed
		}
		u.notice("Not sent: " + err.Error())
	} else if i >= 0 {
		conv.msgs[i].ID = id
		if st, ok := conv.pending[id]; ok {
			delete(conv.pending, id)
			conv.setState(id, st)
		}
	}
	if u.cur == contactKey(r.to) {
		u.renderChat()
	}
}

// submit runs the input line: a command, or a message for the open
// conversation.
func (u *UI) submit() {
	mv := u.main
	text := mv.input.GetText()
	if strings.TrimSpace(text) == "" {
		return
	}
	switch {
	case strings.HasPrefix(text, "//"):
		if !u.send(text[1:]) {
			return
		}
	case strings.HasPrefix(text, "/"):
		if !u.command(text) {
			return
		}
	default:
		if !u.send(text) {
			return
		}
	}
	mv.input.SetText("")
	if d := u.draftOf(u.cur); d != nil {
		*d = ""
	}
}

// send shows the message at once and queues it; false keeps the draft.
func (u *UI) send(text string) bool {
	if u.cur.isGroup() {
		return u.sendGroup(text)
	}
	conv := u.convs[u.cur.contact]
	switch {
	case conv == nil:
		u.notice("Open a conversation first (Ctrl+N), or add someone with /add CODE.")
		return false
	case conv.contact.State == app.ContactPendingIn:
		u.notice("Accept the request first: /accept")
		return false
	case conv.contact.State != app.ContactAccepted:
		u.notice("They have not accepted your request yet; you can write once they do.")
		return false
	}
	r, ok := u.queueSend(sendRequest{to: conv.contact.ID, text: text})
	if !ok {
		return false
	}
	echo, now := r.echo, time.Now()
	u.stopTyping()
	conv.add(app.Message{ID: echo, Conversation: app.ContactChat(r.to), Outgoing: true, Text: text, SentAt: now, At: now, State: app.StateQueued})
	conv.marker = app.MessageID{}
	conv.contact.LastActivity = now
	u.sortConvs()
	u.renderAll()
	u.main.chat.ScrollToEnd()
	return true
}

// run executes a core command on a worker and reports its outcome.
func (u *UI) run(work func(ctx context.Context, core appCore) (string, error)) {
	core := u.core
	u.async(func(ctx context.Context) func() {
		msg, err := work(ctx, core)
		return func() {
			if err != nil {
				u.notice(err.Error())
			} else if msg != "" {
				u.notice(msg)
			}
		}
	})
}

// addContact sends a contact request to the owner of a link code.
func addContact(u *UI, c call) bool {
	code := c.arg
	if code == "" {
		u.notice("Usage: " + c.usage() + " — paste the jarvis://… code someone sent you.")
		return false
	}
	u.run(func(ctx context.Context, core appCore) (string, error) {
		added, err := core.AddContact(ctx, code)
		if err != nil {
			return "", err
		}
		u.post(func() {
			u.upsert(added)
			u.sortConvs()
			u.open(contactKey(added.ID))
			u.renderAll()
		})
		return "Request sent to " + plainPeerText(added.Name, false) + ". You can chat once they accept.", nil
	})
	return true
}

// answer makes the handler of /accept or /reject, for a contact request
// or a group invite. Bare, where nothing waits, it answers the one thing
// that does, if exactly one does.
func answer(accept bool) func(*UI, call) bool {
	return func(u *UI, c call) bool {
		k := c.target
		if only, one := u.onlyPending(); c.arg == "" && !u.summaryOf(k).pending && one {
			k = only
		}
		if k.isGroup() {
			return answerInvite(u, k.group, accept)
		}
		return answerRequest(u, k.contact, accept)
	}
}

func answerRequest(u *UI, id crypto.ID, accept bool) bool {
	c := u.convs[id].contact
	if c.State != app.ContactPendingIn {
		u.notice(plainPeerText(c.Name, false) + " has no request waiting for an answer.")
		return false
	}
	name := plainPeerText(c.Name, false)
	u.run(func(ctx context.Context, core appCore) (string, error) {
		if accept {
			return "You and " + name + " are now contacts. Compare safety numbers with /info.", core.Accept(ctx, id)
		}
		return "Rejected " + name + ".", core.Reject(ctx, id)
	})
	return true
}

func info(u *UI, c call) bool {
	if c.target.isGroup() {
		showGroupInfo(u, c.target.group)
	} else {
		showContactInfo(u, c.target.contact)
	}
	return true
}

// rename renames the open contact, on this device only, or the open group
// for everyone.
func rename(u *UI, c call) bool {
	if c.target.isGroup() {
		return renameGroup(u, c)
	}
	name := c.arg
	if name == "" {
		u.notice("Usage: " + c.usage() + " — the name you see for this contact.")
		return false
	}
	if err := crypto.ValidateName(name); err != nil {
		u.notice("That name will not do: " + err.Error())
		return false
	}
	id := c.target.contact
	u.run(func(ctx context.Context, core appCore) (string, error) {
		return "Renamed to " + name + ".", core.Rename(ctx, id, name)
	})
	return true
}

// remove deletes a contact or a group, and its history, once confirmed.
func remove(u *UI, c call) bool {
	if c.target.isGroup() {
		deleteGroup(u, c.target.group)
		return true
	}
	id := c.target.contact
	who := plainPeerText(u.convs[id].contact.Name, false)
	u.confirm("Remove contact", "Remove "+peerText(who, false)+
		" and delete your whole conversation with them? This cannot be undone.", func() {
		u.run(func(ctx context.Context, core appCore) (string, error) {
			return "Removed " + who + ".", core.Remove(ctx, id)
		})
	})
	return true
}
