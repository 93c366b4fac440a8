package tui

import (
	"context"
	"strings"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// typingRepeat is how often, at most, we repeat "typing" to a contact
// while the draft changes; their indicator expires after typingTimeout.
const typingRepeat = 4 * time.Second

// typingHint tells a contact we are typing, at most every typingRepeat,
// and once that we stopped. It remembers whom it told, so "stopped" goes
// to the same person even after the open conversation changed.
type typingHint struct {
	to   crypto.ID // whom we told we type; zero once told we stopped
	at   time.Time // when we last told them
	tell func(to crypto.ID, active bool)
}

// typing notes that the draft to to changed at now.
func (h *typingHint) typing(to crypto.ID, now time.Time) {
	if h.to == to && now.Sub(h.at) < typingRepeat {
		return
	}
	if h.to != to {
		h.stop() // the draft is to someone else now
	}
	h.to, h.at = to, now
	h.tell(to, true)
}

// stop tells whoever we told we type that we stopped.
func (h *typingHint) stop() {
	if h.to.IsZero() {
		return
	}
	h.tell(h.to, false)
	h.to, h.at = crypto.ID{}, time.Time{}
}

// isCommand says whether an input line runs a command rather than sends
// a message ("//" sends one that starts with "/").
func isCommand(line string) bool {
	return strings.HasPrefix(line, "/") && !strings.HasPrefix(line, "//")
}

// typed follows the input line: a message being written to an online
// contact shows them we type; an empty line or a command stops it. Groups
// have no typing hints.
func (u *UI) typed() {
	mv := u.main
	if mv.rebuilding {
		return
	}
	conv := u.convs[u.cur]
	text := mv.input.GetText()
	if conv == nil || conv.id.IsGroup() || conv.contact.State != app.ContactAccepted || !conv.contact.Online || text == "" || isCommand(text) {
		u.stopTyping()
		return
	}
	mv.typing.typing(conv.contact.ID, time.Now())
}

func (u *UI) stopTyping() {
	if u.main != nil {
		u.main.typing.stop()
	}
}

// tellTyping sends a typing hint on a worker, best effort: a lost hint
// is harmless.
func (u *UI) tellTyping(to crypto.ID, active bool) {
	core := u.core
	u.async(func(ctx context.Context) func() {
		_ = core.SetTyping(ctx, to, active)
		return nil
	})
}
