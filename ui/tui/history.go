package tui

import (
	"context"

	"jarvis/app"
	"jarvis/crypto"
)

// loadLatest loads the newest page of a conversation.
func (u *UI) loadLatest(conv *conversation) {
	if conv == nil || conv.loading || u.core == nil {
		return
	}
	conv.loading = true
	core := u.core
	// Enough to open at the first unread message, if the window holds it.
	limit := min(max(pageSize, conv.unread+pageSize/4), maxWindow)
	u.async(func(ctx context.Context) func() {
		msgs, err := core.History(ctx, conv.id, 0, limit)
		return func() {
			conv.loading = false
			if err != nil {
				u.notice("Could not read history: " + err.Error())
				return
			}
			conv.lines = mergeLines(msgs, conv.lines)
			conv.loaded = true
			conv.hasOlder = len(msgs) >= limit
			conv.hasNewer = false
			if u.cur == conv.id {
				u.showNewest(conv)
			}
		}
	})
}

// mergeLines builds the window from a fresh newest page and what the old
// window held beyond it: echoes not stored yet, messages and system lines
// newer than the page, and system lines without an ID (placed by time).
// A stored line is matched by ID, so a live system line that the page
// also holds shows once.
func mergeLines(msgs []app.Message, old []line) []line {
	lines := make([]line, 0, len(msgs)+len(old))
	seen := make(map[crypto.MessageID]bool, len(msgs))
	for _, m := range msgs {
		lines = append(lines, line{msg: m})
		seen[m.ID] = true
	}
	newest := int64(0)
	if len(msgs) > 0 {
		newest = msgs[len(msgs)-1].Cursor
	}
	for _, l := range old {
		switch {
		case !l.isMessage() && !l.stored():
			i := len(lines)
			for i > 0 && lines[i-1].at().After(l.at()) {
				i--
			}
			lines = append(lines[:i], append([]line{l}, lines[i:]...)...)
		case !seen[l.msg.ID] && (l.msg.Cursor == 0 || l.msg.Cursor > newest):
			seen[l.msg.ID] = true
			lines = append(lines, l)
		}
	}
	return lines
}

// oldestCursor is History's "before" for the page above the window; 0
// when the window holds no stored line.
func (c *conversation) oldestCursor() int64 {
	for _, l := range c.lines {
		if l.msg.Cursor != 0 {
			return l.msg.Cursor
		}
	}
	return 0
}

// loadOlder prepends the page before the window, keeping the view still.
func (u *UI) loadOlder(conv *conversation) {
	if conv == nil || conv.loading || !conv.hasOlder || u.core == nil {
		return
	}
	before := conv.oldestCursor()
	if before == 0 {
		u.loadLatest(conv)
		return
	}
	conv.loading = true
	core := u.core
	u.async(func(ctx context.Context) func() {
		older, err := core.History(ctx, conv.id, before, pageSize)
		return func() {
			conv.loading = false
			if err != nil {
				u.notice("Could not read history: " + err.Error())
				return
			}
			conv.prepend(older)
			if u.cur == conv.id {
				u.keepScroll(conv)
			}
		}
	})
}

// prepend puts an older page on top of the window, dropping the newest
// lines beyond maxWindow.
func (c *conversation) prepend(older []app.Message) {
	c.hasOlder = len(older) >= pageSize
	lines := make([]line, 0, len(older)+len(c.lines))
	for _, m := range older {
		lines = append(lines, line{msg: m})
	}
	c.lines = append(lines, c.lines...)
	if len(c.lines) > maxWindow {
		c.lines = c.lines[:maxWindow]
		c.hasNewer = true
	}
}
