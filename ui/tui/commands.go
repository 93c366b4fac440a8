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
func (u *UI) sender(core *app.Core) {
	for {
		select {
		case <-u.ctx.Done():
			return
		case r := <-u.sends:
			if r.group != (crypto.GroupID{}) {
				id, err := core.SendGroup(u.ctx, r.group, r.text)
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
func (u *UI) run(work func(ctx context.Context, core *app.Core) (string, error)) {
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

// command runs a slash command; false keeps the input line.
func (u *UI) command(line string) bool {
	name, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	arg = strings.TrimSpace(arg)
	switch strings.ToLower(name) {
	case "/help":
		u.showHelp()
	case "/quit":
		u.quit()
	case "/lock":
		u.lockScreen()
	case "/code":
		u.showCode()
	case "/add":
		return u.addContact(arg)
	case "/accept", "/reject":
		k, ok := u.resolve(arg, "")
		if !ok {
			return false
		}
		if only, one := u.onlyPending(); arg == "" && !u.summaryOf(k).pending && one {
			k = only // nothing to answer here, but exactly one thing waits
		}
		if k.isGroup() {
			return u.answerInvite(k.group, name == "/accept")
		}
		return u.answer(k.contact, name == "/accept")
	case "/info":
		k, ok := u.resolve(arg, "")
		if !ok {
			return false
		}
		if k.isGroup() {
			u.showGroupInfo(k.group)
		} else {
			u.showInfo(k.contact)
		}
	case "/rename":
		if u.cur.isGroup() {
			return u.renameGroup(arg)
		}
		return u.rename(arg)
	case "/remove", "/delete":
		k, ok := u.resolve(arg, "")
		if !ok {
			return false
		}
		if k.isGroup() {
			u.deleteGroup(k.group)
			return true
		}
		id := k.contact
		who := plainPeerText(u.convs[id].contact.Name, false)
		u.confirm("Remove contact", "Remove "+peerText(who, false)+
			" and delete your whole conversation with them? This cannot be undone.", func() {
			u.run(func(ctx context.Context, core *app.Core) (string, error) {
				return "Removed " + who + ".", core.Remove(ctx, id)
			})
		})
	case "/clear":
		if conv := u.convs[u.cur.contact]; conv != nil {
			conv.msgs, conv.hasOlder, conv.hasNewer, conv.marker = nil, true, false, app.MessageID{}
		}
		if gc := u.groups[u.cur.group]; gc != nil {
			gc.lines, gc.hasOlder, gc.hasNewer, gc.marker = nil, true, false, app.MessageID{}
		}
		u.renderChat()
	default:
		if handled, keep := u.groupCommand(strings.ToLower(name), arg); handled {
			return keep
		}
		u.notice("Unknown command " + name + ". /help lists them; // sends a message starting with /.")
		return false
	}
	return true
}

func (u *UI) addContact(code string) bool {
	if code == "" {
		u.notice("Usage: /add CODE — paste the jarvis://… code someone sent you.")
		return false
	}
	u.run(func(ctx context.Context, core *app.Core) (string, error) {
		c, err := core.AddContact(ctx, code)
		if err != nil {
			return "", err
		}
		u.post(func() {
			u.upsert(c)
			u.sortConvs()
			u.open(contactKey(c.ID))
			u.renderAll()
		})
		return "Request sent to " + plainPeerText(c.Name, false) + ". You can chat once they accept.", nil
	})
	return true
}

// onlyPending returns the one request or invite waiting for an answer, if
// exactly one does, so a bare /accept works from any conversation.
func (u *UI) onlyPending() (convKey, bool) {
	var found []convKey
	for _, k := range u.order {
		if u.summaryOf(k).pending {
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		return convKey{}, false
	}
	return found[0], true
}

func (u *UI) answer(id crypto.ID, accept bool) bool {
	c := u.convs[id].contact
	if c.State != app.ContactPendingIn {
		u.notice(plainPeerText(c.Name, false) + " has no request waiting for an answer.")
		return false
	}
	name := plainPeerText(c.Name, false)
	u.run(func(ctx context.Context, core *app.Core) (string, error) {
		if accept {
			return "You and " + name + " are now contacts. Compare safety numbers with /info.", core.Accept(ctx, id)
		}
		return "Rejected " + name + ".", core.Reject(ctx, id)
	})
	return true
}

func (u *UI) rename(name string) bool {
	conv := u.convs[u.cur.contact]
	if conv == nil || name == "" {
		u.notice("Usage: /rename NAME, in the conversation you want to rename.")
		return false
	}
	if err := crypto.ValidateName(name); err != nil {
		u.notice("That name will not do: " + err.Error())
		return false
	}
	id := conv.contact.ID
	u.run(func(ctx context.Context, core *app.Core) (string, error) {
		return "Renamed to " + name + ".", core.Rename(ctx, id, name)
	})
	return true
}

// resolve finds a command's conversation argument locally (the list is
// already here): empty means the open conversation; otherwise a contact or
// group name (case-insensitive) or an ID prefix of at least 4 characters.
// only narrows the search to "contact" or "group"; "" searches both.
func (u *UI) resolve(arg, only string) (convKey, bool) {
	if arg == "" {
		if !u.exists(u.cur) {
			u.notice("Open a conversation first, or name it.")
			return convKey{}, false
		}
		return u.cur, true
	}
	fits := func(k convKey) bool {
		return only == "" || (only == "group") == k.isGroup()
	}
	var found []convKey
	for _, k := range u.order {
		if fits(k) && strings.EqualFold(plainPeerText(u.summaryOf(k).name, false), arg) {
			found = append(found, k)
		}
	}
	if len(found) == 0 && len(arg) >= 4 {
		for _, k := range u.order {
			id := k.contact.String()
			if k.isGroup() {
				id = k.group.String()
			}
			if fits(k) && strings.HasPrefix(id, strings.ToLower(arg)) {
				found = append(found, k)
			}
		}
	}
	what := "contact or group"
	if only != "" {
		what = only
	}
	switch len(found) {
	case 1:
		return found[0], true
	case 0:
		u.notice("No " + what + " called " + arg + ".")
	default:
		u.notice("Several are called " + arg + "; use the start of the ID (see /info).")
	}
	return convKey{}, false
}

// typed tells the open contact we are typing, at most every few seconds.
func (u *UI) typed() {
	mv := u.main
	conv := u.convs[u.cur.contact]
	if mv.rebuilding || conv == nil || conv.contact.State != app.ContactAccepted || !conv.contact.Online {
		return
	}
	text := mv.input.GetText()
	if text == "" || (strings.HasPrefix(text, "/") && !strings.HasPrefix(text, "//")) {
		u.stopTyping()
		return
	}
	if time.Since(mv.typingSent) < 4*time.Second {
		return
	}
	mv.typingSent = time.Now()
	u.setTyping(conv.contact.ID, true)
}

func (u *UI) stopTyping() {
	if u.main == nil || u.main.typingSent.IsZero() {
		return
	}
	u.main.typingSent = time.Time{}
	if !u.cur.isGroup() {
		u.setTyping(u.cur.contact, false)
	}
}

func (u *UI) setTyping(id crypto.ID, active bool) {
	core := u.core
	u.async(func(ctx context.Context) func() {
		_ = core.SetTyping(ctx, id, active) // best effort: a lost typing hint is harmless
		return nil
	})
}
