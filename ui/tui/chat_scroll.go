package tui

import (
	"context"
	"fmt"
)

// Where the message view stands, and what has been read. Each
// conversation keeps its own place: follow (the view sits at the newest
// row and moves with what arrives) or top (the first row shown). A
// message counts as read only once it has been on screen while the user
// could see it: a receipt never claims more.

// chatSize is the message view's size, from the terminal's: the width
// left of the list, the height between the header and the notice.
// Before the first layout the width is 0 (no wrapping).
func (mv *mainView) chatSize() (w, h int) {
	w = mv.width
	if mv.showList {
		w -= listWidth
	}
	return max(w, 0), max(mv.height-3-mv.noticeRows, 1)
}

// chatTop is the first row the view shows of conv.
func (u *UI) chatTop(conv *conversation) int {
	_, h := u.main.chatSize()
	bottom := max(0, len(u.main.shown.rows)-h)
	if conv.follow {
		return bottom
	}
	return min(conv.top, bottom)
}

// placeScroll puts the view where conv stands.
func (u *UI) placeScroll(conv *conversation) {
	u.main.chat.ScrollTo(u.chatTop(conv), 0)
}

// scrollChat moves the message view by delta rows (negative is up),
// loading older or newer pages at either end. Reaching the bottom
// follows the conversation again.
func (u *UI) scrollChat(delta int) {
	conv := u.convs[u.cur]
	if conv == nil {
		return
	}
	_, h := u.main.chatSize()
	bottom := max(0, len(u.main.shown.rows)-h)
	top := u.chatTop(conv) + delta
	switch {
	case top >= bottom:
		conv.follow = true
		if delta > 0 && conv.hasNewer {
			u.loadLatest(conv)
		}
	case top <= 0:
		conv.top, conv.follow = 0, false
		u.loadOlder(conv)
	default:
		conv.top, conv.follow = top, false
	}
	u.placeScroll(conv)
	u.markSeen(conv)
	u.renderNotice()
}

// jumpToNewest shows the newest message (End on an empty line, Alt+End).
func (u *UI) jumpToNewest() {
	conv := u.convs[u.cur]
	if conv == nil {
		return
	}
	conv.follow = true
	if conv.hasNewer {
		u.loadLatest(conv)
	}
	u.renderAll()
}

// keepScroll re-renders the chat after older lines were put on top,
// keeping the same lines in view.
func (u *UI) keepScroll(conv *conversation) {
	before := len(u.main.shown.rows)
	top := u.chatTop(conv)
	u.renderChat()
	conv.top, conv.follow = top+len(u.main.shown.rows)-before, false
	u.placeScroll(conv)
}

// showNewest shows a conversation just opened or loaded: at the first
// unread message, with the "new messages" line on top, or else at the
// newest.
func (u *UI) showNewest(conv *conversation) {
	conv.follow = true
	if conv.unread > 0 {
		conv.markNew(conv.unread)
		u.layoutChat() // to find the marker's row; nothing is read yet
		for _, sp := range u.main.shown.spans {
			if sp.cursor == conv.markerCursor() {
				conv.top, conv.follow = max(0, sp.first-1), false // the rule above it too
				break
			}
		}
	}
	u.renderAll()
}

// markerCursor is the cursor of the first unread message; 0 for none.
func (c *conversation) markerCursor() int64 {
	if i := c.find(c.marker); i >= 0 {
		return c.lines[i].msg.Cursor
	}
	return 0
}

// newestShown is the cursor of the newest incoming message that has a row
// on screen now; 0 for none.
func (u *UI) newestShown(conv *conversation) int64 {
	_, h := u.main.chatSize()
	end := u.chatTop(conv) + h
	spans := u.main.shown.spans
	for i := len(spans) - 1; i >= 0; i-- {
		if spans[i].first < end {
			return spans[i].cursor
		}
	}
	return 0
}

// newBelow counts the unread messages under the view.
func (u *UI) newBelow(conv *conversation) int {
	if conv.follow {
		return 0
	}
	_, h := u.main.chatSize()
	end := u.chatTop(conv) + h
	n := 0
	for _, sp := range u.main.shown.spans {
		if sp.first >= end && sp.cursor > conv.readUpTo {
			n++
		}
	}
	return n
}

// belowHint is what the notice line says while unread messages wait
// under the view; "" for none.
func (u *UI) belowHint(conv *conversation) string {
	if conv == nil {
		return ""
	}
	if n := u.newBelow(conv); n > 0 {
		return fmt.Sprintf("↓ %d new · PgDn or End on an empty line", n)
	}
	return ""
}

// markCurrentRead marks what the open conversation shows read.
func (u *UI) markCurrentRead() {
	if conv := u.convs[u.cur]; conv != nil {
		u.markSeen(conv)
	}
}

// markSeen marks read the messages of conv that are on screen, and no
// others, and tells the core; not while the screen is locked or covered
// (nobody is reading) or where we cannot write (a request or invite not
// answered, a group we left).
func (u *UI) markSeen(conv *conversation) {
	if !u.watching(conv.id) || conv.unread == 0 || conv.whyReadOnly() != "" {
		return
	}
	upTo := u.newestShown(conv)
	if upTo <= conv.readUpTo {
		return
	}
	conv.readUpTo = upTo
	left := 0
	for _, l := range conv.lines {
		if l.isMessage() && !l.msg.Outgoing && l.msg.Cursor > upTo {
			left++
		}
	}
	conv.unread = min(conv.unread, left)
	u.renderList()
	u.renderStatus()
	core, id := u.core, conv.id
	u.async(func(ctx context.Context) func() {
		if err := core.MarkReadUpTo(ctx, id, upTo); err != nil && ctx.Err() == nil {
			return func() { u.notice("Could not mark the conversation read: " + err.Error()) }
		}
		return nil
	})
}
