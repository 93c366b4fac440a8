package tui

import (
	"context"
	"strings"
	"time"

	"jarvis/app"
)

// renderChat fills the message view with the open conversation. Chats and
// groups go through the same lines; only the banner on top and the hint
// for an empty conversation depend on the kind.
func (u *UI) renderChat() {
	chat := u.main.chat
	conv := u.convs[u.cur]
	if conv == nil {
		chat.SetText(u.welcomeText())
		chat.ScrollToBeginning()
		return
	}
	_, _, width, _ := chat.GetInnerRect()
	var b strings.Builder
	b.WriteString(u.banner(conv))
	if conv.hasOlder {
		b.WriteString(u.theme.paint("gray", "↑ PgUp for older messages") + "\n")
	}
	u.writeLines(&b, conv, width)
	if hint := conv.emptyHint(); len(conv.lines) == 0 && conv.loaded && hint != "" {
		b.WriteString(u.theme.paint("gray", hint) + "\n")
	}
	if conv.hasNewer {
		b.WriteString(u.theme.paint("gray", "↓ PgDn for newer messages") + "\n")
	}
	chat.SetText(strings.TrimSuffix(b.String(), "\n"))
}

// writeLines writes the window: a separator when the day changes, the
// "new messages" rule, then each line.
func (u *UI) writeLines(b *strings.Builder, conv *conversation, width int) {
	now := time.Now()
	var prev time.Time
	for i, l := range conv.lines {
		at := l.at().Local()
		if i == 0 || !sameDay(prev, at) {
			b.WriteString(u.theme.paint("gray", separator(dayLabel(at, now), width)) + "\n")
		}
		prev = at
		if !l.isMessage() {
			b.WriteString(u.theme.paint("gray", at.Format("15:04")+" — "+peerText(l.msg.Text, false)) + "\n")
			continue
		}
		if l.msg.ID == conv.marker && !l.msg.Outgoing {
			b.WriteString(u.theme.paint("red", separator("new messages", width)) + "\n")
		}
		b.WriteString(u.messageLine(conv, l.msg, at) + "\n")
	}
}

// messageLine is "15:04 Name: text", with the state mark after our own.
func (u *UI) messageLine(conv *conversation, m app.Message, at time.Time) string {
	text := u.theme.paint("gray", at.Format("15:04")) + " "
	if m.Outgoing {
		text += u.theme.paint("teal", "[::b]"+peerText(u.self.Name, false)+"[::-]")
	} else {
		text += u.theme.paint(authorColor(m.Author), "[::b]"+peerText(conv.authorName(m), false)+"[::-]")
	}
	text += ": " + peerText(m.Text, true)
	if m.Outgoing {
		text += " " + u.theme.stateMark(m.State)
	}
	return text
}

// authorName is who wrote an incoming message: in a chat the contact as
// we named them now, in a group the roster name the core gave (with the
// short ID when two members share the name).
func (c *conversation) authorName(m app.Message) string {
	if c.id.IsGroup() {
		return m.AuthorName
	}
	return c.contact.Name
}

// banner is what stands above the messages of a request, an invite, or a
// group we left.
func (u *UI) banner(conv *conversation) string {
	if conv.id.IsGroup() {
		return u.groupBanner(conv)
	}
	c := conv.contact
	switch c.State {
	case app.ContactPendingIn:
		return u.theme.paint("yellow", peerText(c.Name, false)+" wants to add you as a contact.") +
			"\nID " + c.ID.String() +
			"\nIf you expected this, type /accept; otherwise /reject. /info shows their details.\n"
	case app.ContactPendingOut:
		return u.theme.paint("gray", "Waiting for "+peerText(c.Name, false)+
			" to accept your request. They must be online once; it is retried automatically.") + "\n"
	}
	return ""
}

// emptyHint is what an empty conversation says to do; "" for none.
func (c *conversation) emptyHint() string {
	switch {
	case c.whyReadOnly() != "":
		return ""
	case c.id.IsGroup() && others(c.group) == 0:
		return "Nobody else is here yet. /invite NAME adds a contact."
	}
	return "No messages yet. Type below and press Enter."
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
	conv := u.convs[u.cur]
	switch {
	case row <= 0:
		chat.ScrollTo(0, 0)
		u.loadOlder(conv)
	case row >= total-h:
		chat.ScrollToEnd()
		if delta > 0 && conv != nil && conv.hasNewer {
			u.loadLatest(conv)
		}
	default:
		chat.ScrollTo(row, 0)
	}
}

// markCurrentRead marks the open conversation read.
func (u *UI) markCurrentRead() {
	if conv := u.convs[u.cur]; conv != nil {
		u.markRead(conv)
	}
}

// markRead clears the unread count of a conversation and tells the core,
// unless the screen is locked (nobody is reading) or we cannot write
// there (a request or invite not answered, a group we left).
func (u *UI) markRead(conv *conversation) {
	if u.locked || conv.unread == 0 || conv.whyReadOnly() != "" {
		return
	}
	conv.unread = 0
	u.renderList()
	core, id := u.core, conv.id
	u.async(func(ctx context.Context) func() {
		if err := core.MarkRead(ctx, id); err != nil && ctx.Err() == nil {
			return func() { u.notice("Could not mark the conversation read: " + err.Error()) }
		}
		return nil
	})
}
