package tui

import (
	"strings"
	"time"

	"jarvis/app"
)

// noticeFor is how long a notice stays above the input line.
const noticeFor = 10 * time.Second

// noteText is a notice: plain text (peer text in it already made safe),
// and until when it shows.
type noteText struct {
	text  string
	until time.Time
}

func (n noteText) live(now time.Time) bool { return n.text != "" && now.Before(n.until) }

// notice shows a message above the input line for a while. It belongs to
// the open conversation: switching away clears it.
func (u *UI) notice(text string) {
	if u.main == nil {
		return
	}
	u.main.note = noteText{text: plainPeerText(text, false), until: time.Now().Add(noticeFor)}
	u.renderNotice()
}

// noticeIn shows a notice about conversation k: now if k is open (or gone,
// as after /delete), else when the user opens k again, if still fresh.
func (u *UI) noticeIn(k app.ConversationID, text string) {
	conv := u.convs[k]
	if k == u.cur || conv == nil {
		u.notice(text)
		return
	}
	conv.note = noteText{text: plainPeerText(text, false), until: time.Now().Add(noticeFor)}
}

// switchNotice swaps the notice for the one kept for conv, if any.
func (u *UI) switchNotice(conv *conversation) {
	u.main.note = noteText{}
	if conv != nil {
		u.main.note, conv.note = conv.note, noteText{}
	}
}

// renderNotice shows, above the input line, the notice, the peer's typing
// indicator and how many unread messages wait below the view, each
// wrapped to the width; the line grows to hold them (up to a third of
// the screen) and the chat gives way.
func (u *UI) renderNotice() {
	mv := u.main
	now := time.Now()
	conv := u.convs[u.cur]
	var ps []piece
	add := func(color, text string) {
		if len(ps) > 0 {
			text = "\n" + text
		}
		ps = append(ps, piece{u.theme.tag(color), text})
	}
	if mv.note.live(now) {
		add("yellow", mv.note.text)
		u.expireAt(mv.note.until)
	} else {
		mv.note = noteText{}
	}
	if conv != nil && now.Before(conv.typing) {
		add("gray", plainPeerText(conv.contact.Name, false)+" is typing…")
		u.expireAt(conv.typing)
	}
	if hint := u.belowHint(conv); hint != "" {
		add("yellow", hint)
	}
	w, _ := mv.chatSize()
	rows := wrapPieces(ps, w, 2)
	if limit := max(1, mv.height/3); len(rows) > limit {
		rows = rows[:limit]
	}
	mv.notice.SetText(strings.Join(rows, "\n"))
	if len(rows) != mv.noticeRows {
		mv.noticeRows = len(rows)
		mv.right.ResizeItem(mv.notice, len(rows), 0)
		u.renderChat() // its height changed
	}
}

// tick runs when a notice or typing indicator is due to expire.
func (u *UI) tick() {
	if u.main != nil {
		u.enterThenQuiet(time.Now())
		u.renderNotice()
	}
}
