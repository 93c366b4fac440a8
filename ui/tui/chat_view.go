package tui

import (
	"strings"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// renderChat fills the message view with the open conversation. Chats and
// groups go through the same lines; only the banner on top and the hint
// for an empty conversation depend on the kind. The rows are laid out
// here, not by the view, so the UI knows which messages are on screen
// (read receipts), wrapped lines continue under their text, and a short
// conversation sits at the bottom, next to the input line.
func (u *UI) renderChat() {
	if conv := u.layoutChat(); conv != nil {
		u.placeScroll(conv)
		u.markSeen(conv)
	}
}

// layoutChat lays the open conversation out and returns it; nil for
// none (the welcome text).
func (u *UI) layoutChat() *conversation {
	mv := u.main
	conv := u.convs[u.cur]
	if conv == nil {
		mv.shown = chatRows{}
		mv.chat.SetWrap(true).SetText(u.welcomeText())
		mv.chat.ScrollToBeginning()
		return nil
	}
	w, h := mv.chatSize()
	cr := u.chatRows(conv, w)
	if pad := h - len(cr.rows); pad > 0 {
		cr.rows = append(make([]string, pad), cr.rows...)
		for i := range cr.spans {
			cr.spans[i].first += pad
		}
		if cr.target >= 0 {
			cr.target += pad
		}
		for i := range cr.msgs {
			cr.msgs[i].first += pad
			cr.msgs[i].last += pad
			if cr.msgs[i].quote >= 0 {
				cr.msgs[i].quote += pad
			}
		}
	}
	mv.shown = cr
	mv.chat.SetWrap(false).SetText(strings.Join(cr.rows, "\n"))
	return conv
}

// chatRows is the message view of one conversation, laid out.
type chatRows struct {
	rows   []string  // tview markup, one screen row each
	spans  []msgSpan // the incoming messages, oldest first
	msgs   []msgRows // every message, for selecting (selection.go)
	target int       // the first row of the conversation's target; -1 for none
}

// msgSpan is where an incoming message starts on the view.
type msgSpan struct {
	first  int
	cursor int64
}

// chatRows lays conv out for a view width cells wide.
func (u *UI) chatRows(conv *conversation, width int) chatRows {
	cr := chatRows{target: -1}
	add := func(ps []piece, indent int) { cr.rows = append(cr.rows, wrapPieces(ps, width, indent)...) }
	gray := func(text string) []piece { return []piece{{u.theme.tag("gray"), text}} }
	if b := u.banner(conv); len(b) > 0 {
		add(b, 0)
	}
	if conv.hasOlder {
		add(gray("↑ PgUp for older messages"), 0)
	}
	now := time.Now()
	var prev time.Time
	lastRead := conv.lastRead()
	for i, l := range conv.lines {
		at := l.at().Local()
		if i == 0 || !sameDay(prev, at) {
			add(gray(separator(dayLabel(at, now), width)), 0)
		}
		prev = at
		if !l.isMessage() {
			add(gray(at.Format("15:04")+" — "+plainPeerText(l.msg.Text, false)), 8)
			continue
		}
		if l.msg.ID == conv.marker && !l.msg.Outgoing {
			add([]piece{{u.theme.tag("red"), separator("new messages", width)}}, 0)
		}
		first, quote := len(cr.rows), -1
		if q := l.msg.Quote; q != nil {
			quote = len(cr.rows)
			add(gray("      "+quoteText(q, u.quoteAuthor(q), width-6)), 0)
		}
		if !l.msg.Outgoing {
			cr.spans = append(cr.spans, msgSpan{first: len(cr.rows), cursor: l.msg.Cursor})
		}
		ps := u.messagePieces(conv, l.msg, at, i == lastRead)
		if l.msg.ID == conv.target {
			cr.target = len(cr.rows)
			ps[3].style = "[::r]" // the message a search opened
		}
		if l.msg.ID == u.main.pick.sel && l.msg.ID != (crypto.MessageID{}) {
			ps[0].style += "[::r]" // the selected message: its time in reverse
		}
		add(ps, piecesWidth(ps[:3]))
		if len(l.msg.Reactions) > 0 {
			add(gray("      "+reactionCounts(l.msg.Reactions)), 6)
		}
		cr.msgs = append(cr.msgs, msgRows{id: l.msg.ID, first: first, last: len(cr.rows) - 1, quote: quote})
	}
	for _, t := range conv.files {
		add(u.transferPieces(t, now), 2)
	}
	if hint := conv.emptyHint(); len(conv.lines) == 0 && len(conv.files) == 0 && conv.loaded && hint != "" {
		add(gray(hint), 0)
	}
	if conv.hasNewer {
		add(gray("↓ PgDn for newer messages"), 0)
	}
	return cr
}

// lastRead is the index of the newest of our messages read by the other
// side: only it says "read", as in Signal; -1 for none.
func (c *conversation) lastRead() int {
	for i := len(c.lines) - 1; i >= 0; i-- {
		if m := c.lines[i].msg; m.Outgoing && !m.System && m.State == app.StateRead {
			return i
		}
	}
	return -1
}

// messagePieces is "15:04 Name: text", with the state mark after our own;
// the first three pieces are what wrapped rows indent under.
func (u *UI) messagePieces(conv *conversation, m app.Message, at time.Time, lastRead bool) []piece {
	name, color := u.self.Name, "teal"
	if !m.Outgoing {
		name, color = conv.authorName(m), authorColor(m.Author)
	}
	ps := []piece{
		{u.theme.tag("gray"), at.Format("15:04") + " "},
		{u.theme.tag(color) + "[::b]", plainPeerText(name, false)},
		{"", ": "},
	}
	ps = append(ps, u.opPieces(m)...)
	if m.Outgoing {
		ps = append(ps, piece{"", " "})
		ps = append(ps, u.theme.statePieces(m.State, lastRead)...)
	}
	return ps
}

// authorName is who wrote an incoming message: in a chat the contact as
// we named them now, in a group the name the core gave (with the short ID
// when two members share the name).
func (c *conversation) authorName(m app.Message) string {
	if c.id.IsGroup() {
		return m.AuthorName
	}
	return c.contact.Name
}

// banner is what stands above the messages of a request, an invite, or a
// group we left.
func (u *UI) banner(conv *conversation) []piece {
	if conv.id.IsGroup() {
		return u.groupBanner(conv)
	}
	c := conv.contact
	switch c.State {
	case app.ContactPendingIn:
		return []piece{
			{u.theme.tag("yellow"), plainPeerText(c.Name, false) + " wants to add you as a contact."},
			{"", "\nSafety number (compare it with theirs, in person or on a call):\n" + c.SafetyNumber +
				"\nIf you expected this, type /accept; otherwise /reject. /info shows their details."},
		}
	case app.ContactPendingOut:
		return []piece{{u.theme.tag("gray"), "Waiting for " + plainPeerText(c.Name, false) +
			" to accept your request. They must be online once; it is retried automatically."}}
	}
	return nil
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
	b.WriteString("On the same Wi-Fi: type /pair here, then /pair and the code it shows on the other device.\n\n" +
		"Anywhere else, exchange link codes:\n" +
		"  1. type /code to show yours (with a QR code and a copy button), send it to them;\n" +
		"  2. they type /add followed by your code, and you /accept their request —\n" +
		"     or you /add their code and they accept.\n" +
		"Then compare safety numbers with /info and mark them verified.\n\n" +
		"F1 or /help shows every key and command.")
	return b.String()
}
