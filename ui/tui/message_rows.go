package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/rivo/uniseg"

	"jarvis/app"
	"jarvis/crypto"
)

// How replies, edits, deletes and reactions show on the message view, and
// how their events change the loaded lines.

// quoteOf is the quote a reply to id shows, from the loaded lines.
func (u *UI) quoteOf(conv *conversation, id crypto.MessageID) *app.Quote {
	if i := conv.find(id); id != (crypto.MessageID{}) && i >= 0 {
		m := conv.lines[i].msg
		return &app.Quote{Author: m.Author, AuthorName: u.lineAuthor(conv, m), Text: m.Text, Deleted: m.Deleted}
	}
	return nil
}

// handleMessageOp applies an edit, a delete or a reaction to a loaded line.
func (u *UI) handleMessageOp(ev app.Event) {
	switch e := ev.(type) {
	case app.MessageEdited:
		u.changeLine(e.Conversation, e.ID, func(m *app.Message) { m.Text, m.EditedAt = e.Text, e.EditedAt })
	case app.MessageDeleted:
		u.changeLine(e.Conversation, e.ID, func(m *app.Message) { m.Text, m.Deleted, m.Reactions = "", true, nil })
	case app.ReactionSet:
		u.changeLine(e.Conversation, e.ID, func(m *app.Message) { m.Reactions = setReaction(m.Reactions, e) })
	}
}

func (u *UI) changeLine(k app.ConversationID, id crypto.MessageID, change func(*app.Message)) {
	conv := u.convs[k]
	if conv == nil {
		return
	}
	for i := range conv.lines {
		m := &conv.lines[i].msg
		if m.ID == id {
			change(m)
		}
		if m.ReplyTo == id && m.Quote != nil {
			q := u.quoteOf(conv, id)
			if q != nil {
				m.Quote = q
			}
		}
	}
}

// setReaction replaces e.From's reaction in rs, or removes it.
func setReaction(rs []app.Reaction, e app.ReactionSet) []app.Reaction {
	out := rs[:0:0]
	for _, r := range rs {
		if r.From != e.From {
			out = append(out, r)
		}
	}
	if e.Emoji != "" {
		out = append(out, app.Reaction{From: e.From, Emoji: e.Emoji, At: time.Now()})
	}
	return out
}

// reactionCounts is "👍 2  ❤ 1", in the order each emoji first came.
func reactionCounts(rs []app.Reaction) string {
	var order []string
	n := make(map[string]int)
	for _, r := range rs {
		if n[r.Emoji] == 0 {
			order = append(order, r.Emoji)
		}
		n[r.Emoji]++
	}
	parts := make([]string, len(order))
	for i, e := range order {
		parts[i] = plainPeerText(e, false) + " " + strconv.Itoa(n[e])
	}
	return strings.Join(parts, "  ")
}

// quoteAuthor names who wrote a quoted message: we by our name now.
func (u *UI) quoteAuthor(q *app.Quote) string {
	if q.Author == u.self.ID {
		return u.self.Name
	}
	return q.AuthorName
}

// quoteText is a reply's one-line quote: "↳ Name: start of the text",
// cut to fit width cells.
func quoteText(q *app.Quote, name string, width int) string {
	text := strings.ReplaceAll(plainPeerText(q.Text, false), "\n", " ")
	if q.Deleted {
		text = "message deleted"
	}
	s := "↳ " + plainPeerText(name, false) + ": " + text
	if width > 1 && uniseg.StringWidth(s) > width {
		s = cutToWidth(s, width-1) + "…"
	}
	return s
}

// cutToWidth keeps the grapheme clusters of s that fit in width cells.
func cutToWidth(s string, width int) string {
	var b strings.Builder
	used, state := 0, -1
	for s != "" {
		var c string
		var w int
		c, s, w, state = uniseg.FirstGraphemeClusterInString(s, state)
		if used+w > width {
			break
		}
		b.WriteString(c)
		used += w
	}
	return b.String()
}

// msgRows is where one message stands on the laid-out view; quote is
// the row of a reply's quote, -1 for none.
type msgRows struct {
	id          crypto.MessageID
	first, last int
	quote       int
}

// span finds where message id stands on the view.
func (cr chatRows) span(id crypto.MessageID) (msgRows, bool) {
	for _, r := range cr.msgs {
		if r.id == id {
			return r, true
		}
	}
	return msgRows{}, false
}

// at finds the message on view row y, and whether y is its quote.
func (cr chatRows) at(y int) (id crypto.MessageID, quote, ok bool) {
	for _, r := range cr.msgs {
		if y >= r.first && y <= r.last {
			return r.id, y == r.quote, true
		}
	}
	return crypto.MessageID{}, false, false
}

// opPieces are the parts of a message that operations change: the text
// (or "message deleted") and "(edited)".
func (u *UI) opPieces(m app.Message) []piece {
	if m.Deleted {
		return []piece{{u.theme.tag("gray") + "[::i]", "message deleted"}}
	}
	ps := []piece{{"", plainPeerText(m.Text, true)}}
	if !m.EditedAt.IsZero() {
		ps = append(ps, piece{u.theme.tag("gray"), " (edited)"})
	}
	return ps
}
