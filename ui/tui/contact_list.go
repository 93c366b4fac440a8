package tui

import (
	"fmt"

	"jarvis/app"
	"jarvis/crypto"
)

// setContacts replaces the known contacts with a fresh list from the core.
func (u *UI) setContacts(list []app.Contact) {
	seen := make(map[crypto.ID]bool, len(list))
	for _, c := range list {
		seen[c.ID] = true
		u.upsert(c)
	}
	for id := range u.convs {
		if !seen[id] {
			delete(u.convs, id)
		}
	}
	u.listChanged()
}

// listChanged re-sorts the conversation list after a fresh load and opens
// the first conversation if none is open any more.
func (u *UI) listChanged() {
	u.sortConvs()
	if !u.exists(u.cur) && len(u.order) > 0 {
		u.open(u.order[0])
		return
	}
	u.renderAll()
}

// renderList redraws the conversation list from u.order.
func (u *UI) renderList() {
	if u.main == nil {
		return
	}
	mv := u.main
	mv.rebuilding = true
	defer func() { mv.rebuilding = false }()
	mv.list.Clear()
	for i, k := range u.order {
		if k.isGroup() {
			mv.list.AddItem(u.groupListItem(i, u.groups[k.group].group), "", 0, nil)
			continue
		}
		c := u.convs[k.contact].contact
		text := u.theme.dot(c) + " "
		if c.State == app.ContactPendingIn {
			text += u.theme.paint("yellow", "request: ")
		}
		text += peerText(c.Name, false)
		if c.Verified {
			text += u.theme.paint("green", " ✔")
		}
		if c.Unread > 0 {
			text += u.theme.paint("yellow", fmt.Sprintf(" (%d)", c.Unread))
			if !u.theme.color {
				text = "[::b]" + text + "[::-]"
			}
		}
		if i < 9 {
			text = fmt.Sprintf("%d ", i+1) + text
		}
		mv.list.AddItem(text, "", 0, nil)
	}
	if i := u.indexOf(u.cur); i >= 0 {
		mv.list.SetCurrentItem(i)
	}
	if len(u.order) == 0 {
		mv.list.AddItem("[::d]no contacts yet[::-]", "", 0, nil)
		mv.list.AddItem("[::d]type /code[::-]", "", 0, nil)
	}
}

// open switches to a conversation, keeping each one's draft.
func (u *UI) open(k convKey) {
	if u.main == nil || k == u.cur {
		return
	}
	if d := u.draftOf(u.cur); d != nil {
		*d = u.main.input.GetText()
		u.stopTyping()
	}
	if old := u.convs[u.cur.contact]; old != nil {
		old.marker = app.MessageID{}
	}
	if old := u.groups[u.cur.group]; old != nil {
		old.marker = app.MessageID{}
	}
	u.cur = k
	u.main.completion = nil
	draft := ""
	if d := u.draftOf(k); d != nil {
		draft = *d
	}
	u.main.rebuilding = true
	u.main.input.SetText(draft)
	u.main.rebuilding = false
	if k.isGroup() {
		u.openGroup(u.groups[k.group])
		return
	}
	conv := u.convs[k.contact]
	if conv == nil {
		u.renderAll()
		return
	}
	if !conv.loaded {
		u.renderAll()
		u.loadLatest(k.contact)
		return
	}
	if conv.contact.Unread > 0 {
		conv.markNew(conv.contact.Unread)
	}
	u.markRead(conv)
	u.renderAll()
	u.main.chat.ScrollToEnd()
}

// step opens the conversation delta places away in the list, wrapping.
func (u *UI) step(delta int) {
	if len(u.order) == 0 {
		return
	}
	i := u.indexOf(u.cur)
	if i < 0 {
		i = 0
	} else {
		i = (i + delta + len(u.order)) % len(u.order)
	}
	u.open(u.order[i])
}

// openIndex opens the n-th conversation (0-based), as Alt+1…9 do.
func (u *UI) openIndex(n int) {
	if n < len(u.order) {
		u.open(u.order[n])
	}
}

// hotlist opens the next conversation with unread messages or an
// unanswered request, like weechat's hotlist.
func (u *UI) hotlist() {
	n := len(u.order)
	start := u.indexOf(u.cur)
	for k := 1; k <= n; k++ {
		id := u.order[(start+k+n)%n]
		if s := u.summaryOf(id); s.unread > 0 || s.pending {
			u.open(id)
			return
		}
	}
	u.notice("Nothing unread.")
}
