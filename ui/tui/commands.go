package tui

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// sendRequest is one message for the sender goroutine. echo is the
// temporary ID the message shows under until Send returns the real one.
type sendRequest struct {
	conv    app.ConversationID
	text    string
	echo    crypto.MessageID
	replyTo crypto.MessageID // zero for a plain message (selection.go)
}

// sender hands messages to the core one at a time, so they keep the order
// they were typed in without blocking the UI.
func (u *UI) sender(core appCore) {
	for {
		select {
		case <-u.ctx.Done():
			return
		case r := <-u.sends:
			id, err := sendOrReply(u.ctx, core, r)
			u.post(func() { u.sent(r, id, err) })
		}
	}
}

// sent settles the echo of a message once Send returns its ID.
func (u *UI) sent(r sendRequest, id crypto.MessageID, err error) {
	conv := u.convs[r.conv]
	if conv == nil {
		return
	}
	conv.settle(r.echo, id, err)
	if err != nil {
		u.notice("Not sent: " + err.Error())
	}
	if u.cur == r.conv {
		u.renderChat()
	}
}

// submit runs the input line: a command, or a message for the open
// conversation. A message of several lines from a paste the terminal did
// not mark asks first, so it is not sent as many messages or by mistake.
func (u *UI) submit() {
	mv := u.main
	text := strings.TrimRight(mv.input.GetText(), "\n")
	if strings.TrimSpace(text) == "" {
		return
	}
	if n := strings.Count(text, "\n") + 1; n > 1 && mv.input.burst && !strings.HasPrefix(text, "/") {
		u.confirmLines(n, func() { u.submitText(text) })
		return
	}
	u.submitText(text)
}

// confirmLines asks whether n pasted lines go as one message.
func (u *UI) confirmLines(n int, send func()) {
	u.showDialog("lines", "Paste", textBody(fmt.Sprintf("Send these %d lines as one message?", n)), 44,
		dialogButton{"Edit", u.closeDialog},
		dialogButton{"Send", func() { u.closeDialog(); send() }})
}

// submitText runs text: a command, or a message for the open conversation.
func (u *UI) submitText(text string) {
	mv := u.main
	var done bool
	switch {
	case strings.HasPrefix(text, "//"):
		done = u.send(text[1:])
	case strings.HasPrefix(text, "/"):
		// A command is one line: a link code pasted in pieces is one code.
		done = u.command(strings.ReplaceAll(text, "\n", " "))
	default:
		done = u.send(text)
	}
	if !done {
		mv.input.selectAll() // kept to fix, replaced by what is typed next
		return
	}
	if conv := u.convs[u.cur]; conv != nil {
		conv.history.add(text)
	} else {
		mv.history.add(text)
	}
	mv.input.SetText("")
	if conv := u.convs[u.cur]; conv != nil {
		conv.draft = ""
	}
	u.restoreDraft() // the draft an edit set aside (selection.go)
}

// send shows the message at once, in a chat or a group, and queues it;
// false keeps the draft.
func (u *UI) send(text string) bool {
	conv := u.convs[u.cur]
	if conv == nil {
		u.notice("Open a conversation first (Ctrl+N), or add someone with /add CODE.")
		return false
	}
	if why := conv.whyReadOnly(); why != "" {
		u.notice(why)
		return false
	}
	if u.main.pick.editing != (crypto.MessageID{}) {
		return u.sendEdit(conv, text)
	}
	r, ok := u.queueSend(sendRequest{conv: conv.id, text: text, replyTo: u.main.pick.replyTo})
	if !ok {
		return false
	}
	now := time.Now()
	u.stopTyping()
	conv.add(app.Message{ID: r.echo, Conversation: conv.id, Author: u.self.ID, Outgoing: true,
		Text: text, SentAt: now, At: now, State: app.StateQueued, ReplyTo: r.replyTo, Quote: u.quoteOf(conv, r.replyTo)})
	if u.main.pick.replyTo != (crypto.MessageID{}) {
		u.main.pick.replyTo, u.main.note = crypto.MessageID{}, noteText{} // "Replying to…" is done
	}
	conv.marker = crypto.MessageID{}
	conv.last = now
	conv.follow = true // what we send is what we look at
	u.sortConvs()
	u.renderAll()
	return true
}

// queueSend gives r a random echo ID, under which the message shows until
// the core returns the one it stored it under, and hands it to the sender
// goroutine; false (with a notice) if too many sends are already waiting.
func (u *UI) queueSend(r sendRequest) (sendRequest, bool) {
	rand.Read(r.echo[:])
	select {
	case u.sends <- r:
		return r, true
	default:
		u.notice("Too many messages waiting; try again in a moment.")
		return r, false
	}
}

// run executes a core command on a worker and reports its outcome.
// The outcome belongs to the conversation open when the command ran.
func (u *UI) run(work func(ctx context.Context, core appCore) (string, error)) {
	core, k := u.core, u.cur
	u.async(func(ctx context.Context) func() {
		msg, err := work(ctx, core)
		return func() {
			if err != nil {
				u.noticeIn(k, err.Error())
			} else if msg != "" {
				u.noticeIn(k, msg)
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
			u.upsertContact(added)
			u.sortConvs()
			u.open(app.ContactChat(added.ID))
			u.notice(sentence("Request sent to "+plainPeerText(added.Name, false)) + " You can chat once they accept.")
			u.renderAll()
		})
		return "", nil
	})
	return true
}

// answer makes the handler of /accept or /reject, for a contact request
// or a group invite. Bare, where nothing waits, it answers the one thing
// that does, if exactly one does.
func answer(accept bool) func(*UI, call) bool {
	return func(u *UI, c call) bool {
		k := c.target
		if c.arg == "" && u.convs[k] != nil && !u.convs[k].awaitingAnswer() && u.convs[k].offered() != nil {
			return answerFile(accept)(u, c) // /accept and /reject answer a file offer too
		}
		if only, one := u.onlyPending(); c.arg == "" && !u.convs[k].awaitingAnswer() && one {
			k = only
		}
		if k.IsGroup() {
			return answerInvite(u, k.Group(), accept)
		}
		return answerRequest(u, k.Contact(), accept)
	}
}

func answerRequest(u *UI, id crypto.ID, accept bool) bool {
	c := u.contact(id).contact
	if c.State != app.ContactPendingIn {
		u.notice(plainPeerText(c.Name, false) + " has no request waiting for an answer.")
		return false
	}
	name := plainPeerText(c.Name, false)
	u.run(func(ctx context.Context, core appCore) (string, error) {
		if accept {
			// The same words as the ContactAdded notice, which may land
			// before or after this result.
			return name + " is now a contact. Compare safety numbers with /info.", core.Accept(ctx, id)
		}
		return sentence("Rejected " + name), core.Reject(ctx, id)
	})
	return true
}

func info(u *UI, c call) bool {
	if c.target.IsGroup() {
		showGroupInfo(u, c.target.Group())
	} else {
		showContactInfo(u, c.target.Contact())
	}
	return true
}

// rename renames the open contact, on this device only, or the open group
// for everyone.
func rename(u *UI, c call) bool {
	if c.target.IsGroup() {
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
	id := c.target.Contact()
	u.run(func(ctx context.Context, core appCore) (string, error) {
		return sentence("Renamed to " + name), core.Rename(ctx, id, name)
	})
	return true
}

// remove deletes a contact or a group, and its history, once confirmed.
func remove(u *UI, c call) bool {
	if c.target.IsGroup() {
		deleteGroup(u, c.target.Group())
		return true
	}
	id := c.target.Contact()
	who := plainPeerText(u.contact(id).contact.Name, false)
	u.confirmByName("Remove contact", "Remove "+peerText(who, false)+
		" and delete your whole conversation with them? This cannot be undone.", who, func() {
		u.run(func(ctx context.Context, core appCore) (string, error) {
			return sentence("Removed " + who), core.Remove(ctx, id)
		})
	})
	return true
}
