package tui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
	"jarvis/crypto"
)

// Selecting a message, keyboard first: Up on an empty input line selects
// the newest message; Up and Down move; r replies, e edits, d deletes, +
// (or 1…6) reacts, c copies, i shows details, Enter on a reply jumps to
// what it answers, Esc goes back to typing. A click on a message selects
// it too. With text on the input line, Up and Down still walk back
// through what was sent (Ctrl+Up and Ctrl+Down always do).

// messageEditor replies to, reacts to, edits and deletes messages.
type messageEditor interface {
	Reply(ctx context.Context, conv app.ConversationID, text string, replyTo crypto.MessageID) (crypto.MessageID, error)
	React(ctx context.Context, conv app.ConversationID, id crypto.MessageID, emoji string) error
	Edit(ctx context.Context, conv app.ConversationID, id crypto.MessageID, text string) error
	Delete(ctx context.Context, conv app.ConversationID, id crypto.MessageID, everyone bool) error
}

// quickReactions are the six reactions on keys 1 to 6.
var quickReactions = [6]string{"👍", "❤", "😂", "😮", "😢", "🙏"}

// msgPick is what the user picked out of the conversation: the selected
// message, and a reply or an edit the input line is composing.
type msgPick struct {
	sel     crypto.MessageID
	replyTo crypto.MessageID
	editing crypto.MessageID
	draft   string // what was on the input line before an edit took it
}

func sendOrReply(ctx context.Context, core appCore, r sendRequest) (crypto.MessageID, error) {
	if r.replyTo != (crypto.MessageID{}) {
		return core.Reply(ctx, r.conv, r.text, r.replyTo)
	}
	return core.Send(ctx, r.conv, r.text)
}

// pickable reports whether a line can be selected: a stored message.
func (l line) pickable() bool { return l.isMessage() && l.stored() }

// picked returns the open conversation and the index of the selected
// line; -1 when nothing is selected.
func (u *UI) picked() (*conversation, int) {
	conv := u.convs[u.cur]
	if conv == nil || u.main.pick.sel == (crypto.MessageID{}) {
		return conv, -1
	}
	return conv, conv.find(u.main.pick.sel)
}

// selectNewest selects the newest message of the open conversation;
// false when it has none.
func (u *UI) selectNewest() bool {
	conv := u.convs[u.cur]
	if conv == nil {
		return false
	}
	for i := len(conv.lines) - 1; i >= 0; i-- {
		if conv.lines[i].pickable() {
			u.selectLine(conv, i)
			return true
		}
	}
	return false
}

// selectLine selects line i and scrolls it into view.
func (u *UI) selectLine(conv *conversation, i int) {
	u.main.pick.sel = conv.lines[i].msg.ID
	u.layoutChat()
	if span, ok := u.main.shown.span(conv.lines[i].msg.ID); ok {
		_, h := u.main.chatSize()
		top := u.chatTop(conv)
		switch {
		case span.first < top:
			conv.top, conv.follow = span.first, false
		case span.last >= top+h:
			conv.top, conv.follow = span.last-h+1, false
		}
	}
	u.renderAll()
	u.notice(selectHint)
}

// selectHint is the notice while a message is selected.
const selectHint = "r reply  e edit  d delete  + react  c copy  i info  Esc back"

// moveSelection moves the selection by delta messages; past the newest
// it goes back to typing.
func (u *UI) moveSelection(delta int) {
	conv, i := u.picked()
	if i < 0 {
		return
	}
	for j := i + delta; j >= 0 && j < len(conv.lines); j += delta {
		if conv.lines[j].pickable() {
			u.selectLine(conv, j)
			return
		}
	}
	if delta > 0 {
		u.unselect()
		return
	}
	if conv.hasOlder {
		u.loadOlder(conv)
	}
}

func (u *UI) unselect() {
	u.main.pick.sel = crypto.MessageID{}
	u.main.note = noteText{}
	u.renderAll()
}

// selectionKey handles a key while a message is selected; false passes
// it on (the selection ends, and the key does what it does on the input).
func (u *UI) selectionKey(ev *tcell.EventKey) bool {
	conv, i := u.picked()
	if i < 0 {
		u.main.pick.sel = crypto.MessageID{}
		return false
	}
	m := conv.lines[i].msg
	switch ev.Key() {
	case tcell.KeyUp:
		u.moveSelection(-1)
	case tcell.KeyDown:
		u.moveSelection(1)
	case tcell.KeyEsc:
		u.unselect()
	case tcell.KeyEnter:
		if m.ReplyTo != (crypto.MessageID{}) {
			u.jumpToQuoted(conv, m)
		}
	case tcell.KeyRune:
		if ev.Modifiers()&tcell.ModAlt != 0 {
			return false
		}
		return u.selectionRune(conv, m, ev.Rune())
	default:
		u.main.pick.sel = crypto.MessageID{}
		return false
	}
	return true
}

func (u *UI) selectionRune(conv *conversation, m app.Message, r rune) bool {
	switch {
	case r == 'r':
		u.startReply(conv, m)
	case r == 'e':
		u.startEdit(m)
	case r == 'd':
		u.askDelete(conv, m)
	case r == '+':
		u.showReactions()
	case r >= '1' && r <= '6':
		u.react(conv, m, quickReactions[r-'1'])
	case r == 'c':
		u.copyMessage(m)
	case r == 'i':
		u.showMessageInfo(conv, m)
	default:
		u.main.pick.sel = crypto.MessageID{}
		return false // typing starts a message
	}
	return true
}

func (u *UI) startReply(conv *conversation, m app.Message) {
	if m.Deleted {
		u.notice("That message was deleted.")
		return
	}
	u.main.pick = msgPick{replyTo: m.ID}
	u.renderAll()
	u.notice("Replying to " + plainPeerText(u.lineAuthor(conv, m), false) + ": type it and press Enter. Esc cancels.")
}

func (u *UI) startEdit(m app.Message) {
	switch {
	case !m.Outgoing:
		u.notice("You can edit only your own messages.")
		return
	case m.Deleted:
		u.notice("That message was deleted.")
		return
	case time.Since(m.SentAt) > 24*time.Hour:
		u.notice("Messages can be edited for 24 hours after sending.")
		return
	}
	u.main.pick = msgPick{editing: m.ID, draft: u.main.input.GetText()}
	u.main.input.SetText(m.Text)
	u.renderAll()
	u.notice("Editing your message: Enter saves, Esc cancels.")
}

// sendEdit saves the edit under way; false keeps the text on the line.
func (u *UI) sendEdit(conv *conversation, text string) bool {
	id, k := u.main.pick.editing, conv.id
	u.main.pick.editing = crypto.MessageID{}
	u.main.pick.sel = crypto.MessageID{}
	u.main.note = noteText{}
	u.run(func(ctx context.Context, core appCore) (string, error) {
		return "", core.Edit(ctx, k, id, text)
	})
	return true
}

// cancelPick ends a reply or an edit under way (Esc on the input line);
// false when there was none.
func (u *UI) cancelPick() bool {
	p := u.main.pick
	if p.replyTo == (crypto.MessageID{}) && p.editing == (crypto.MessageID{}) {
		return false
	}
	u.dropPick()
	u.main.note = noteText{}
	u.renderAll()
	return true
}

// dropPick forgets the selection, reply or edit, giving back the draft an
// edit set aside.
func (u *UI) dropPick() {
	if u.main.pick.editing != (crypto.MessageID{}) {
		u.main.input.SetText(u.main.pick.draft)
	}
	u.main.pick = msgPick{}
}

// restoreDraft puts back, once an edit is saved, the draft it set aside.
func (u *UI) restoreDraft() {
	if d := u.main.pick.draft; d != "" && u.main.pick.editing == (crypto.MessageID{}) {
		u.main.input.SetText(d)
		u.main.pick.draft = ""
	}
}

func (u *UI) askDelete(conv *conversation, m app.Message) {
	k, id := conv.id, m.ID
	del := func(everyone bool) func() {
		return func() {
			u.closeDialog()
			u.unselect()
			u.run(func(ctx context.Context, core appCore) (string, error) {
				return "", core.Delete(ctx, k, id, everyone)
			})
		}
	}
	text := "Delete this message here only, or for everyone? Deleting for everyone works on devices that honour it; someone running modified software keeps what they got."
	buttons := []dialogButton{{"Only me", del(false)}, {"Cancel", u.closeDialog}}
	if m.Outgoing || conv.id.IsGroup() && u.managesGroup(conv) {
		buttons = append([]dialogButton{{"Everyone", del(true)}}, buttons...)
	}
	u.showDialog("delete message", "Delete message", textBody(text), 56, buttons...)
}

// managesGroup reports whether we are an admin or the owner of conv.
func (u *UI) managesGroup(conv *conversation) bool { return conv.group.MyRole.Manages() }

// showReactions is the emoji picker: a line above the input naming the
// keys 1 to 6, which react while the message stays selected. A line, not
// a dialog, so the message stays in view and it fits any width.
func (u *UI) showReactions() {
	var b strings.Builder
	b.WriteString("React:")
	for i, e := range quickReactions {
		b.WriteString(" " + strconv.Itoa(i+1) + e)
	}
	u.notice(b.String() + "  (again: remove)")
}

func (u *UI) react(conv *conversation, m app.Message, emoji string) {
	u.notice(selectHint) // the picker's line has done its job
	k, id := conv.id, m.ID
	u.run(func(ctx context.Context, core appCore) (string, error) {
		return "", core.React(ctx, k, id, emoji)
	})
}

// copyMessage puts the text on the clipboard through the terminal (OSC 52).
func (u *UI) copyMessage(m app.Message) {
	if u.screen != nil {
		u.screen.SetClipboard([]byte(m.Text))
	}
	u.notice("Copied (if your terminal allows OSC 52).")
}

// showMessageInfo shows when a message was sent and stored, its state,
// and who reacted with what.
func (u *UI) showMessageInfo(conv *conversation, m app.Message) {
	var b strings.Builder
	b.WriteString("From      " + plainPeerText(u.lineAuthor(conv, m), false) + "\n")
	b.WriteString("Sent      " + m.SentAt.Local().Format("2006-01-02 15:04:05") + "\n")
	b.WriteString("Stored    " + m.At.Local().Format("2006-01-02 15:04:05") + "\n")
	if m.Outgoing {
		b.WriteString("State     " + m.State.String() + "\n")
		if !m.DeliveredAt.IsZero() {
			b.WriteString("Delivered " + m.DeliveredAt.Local().Format("2006-01-02 15:04:05") + "\n")
		}
		if !m.ReadAt.IsZero() {
			b.WriteString("Read      " + m.ReadAt.Local().Format("2006-01-02 15:04:05") + "\n")
		}
	}
	if !m.EditedAt.IsZero() {
		b.WriteString("Edited    " + m.EditedAt.Local().Format("2006-01-02 15:04:05") + "\n")
	}
	if m.Deleted {
		b.WriteString("Deleted\n")
	}
	if len(m.Reactions) > 0 {
		b.WriteString("\n[::b]Reactions[::-]\n")
		for _, r := range m.Reactions {
			b.WriteString("  " + plainPeerText(r.Emoji, false) + " " + plainPeerText(u.memberName(conv, r.From), false) + "\n")
		}
	}
	u.showDialog("message info", "Message", textBody(b.String()), 56, dialogButton{"Close", u.closeDialog})
}

// lineAuthor names who wrote m as the chat shows it.
func (u *UI) lineAuthor(conv *conversation, m app.Message) string {
	if m.Outgoing {
		return u.self.Name
	}
	return conv.authorName(m)
}

// memberName names a participant of conv by ID.
func (u *UI) memberName(conv *conversation, id crypto.ID) string {
	if id == u.self.ID {
		return u.self.Name + " (you)"
	}
	if !conv.id.IsGroup() {
		return conv.contact.Name
	}
	for _, mb := range conv.group.Members {
		if mb.ID == id {
			return mb.Name
		}
	}
	return id.Short()
}

// clickChat selects the message under a click on the message view; a
// click on a reply's quote selects the message it quotes.
func (u *UI) clickChat(y int) {
	conv := u.convs[u.cur]
	if conv == nil {
		return
	}
	_, top, _, _ := u.main.chat.GetInnerRect()
	id, quote, ok := u.main.shown.at(y - top + u.chatTop(conv))
	i := conv.find(id)
	if !ok || i < 0 || !conv.lines[i].pickable() {
		return
	}
	if quote {
		u.jumpToQuoted(conv, conv.lines[i].msg)
		return
	}
	u.selectLine(conv, i)
}

// jumpToQuoted selects the message a reply quotes, if it is loaded.
func (u *UI) jumpToQuoted(conv *conversation, m app.Message) {
	if j := conv.find(m.ReplyTo); j >= 0 {
		u.selectLine(conv, j)
		return
	}
	u.notice("The message it answers is not loaded; PgUp loads older ones.")
}
