package ui

import (
	"fmt"
	"sort"

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
	u.sortConvs()
	if u.convs[u.cur] == nil && len(u.order) > 0 {
		u.open(u.order[0])
		return
	}
	u.renderAll()
}

// upsert records a contact's latest description, keeping the UI's state.
func (u *UI) upsert(c app.Contact) *conversation {
	conv := u.convs[c.ID]
	if conv == nil {
		conv = &conversation{}
		u.convs[c.ID] = conv
	}
	if conv.contact.ID == c.ID && c.LastActivity.Before(conv.contact.LastActivity) {
		c.LastActivity = conv.contact.LastActivity
	}
	conv.contact = c
	return conv
}

// sortConvs orders the list: requests to answer first, then latest
// activity.
func (u *UI) sortConvs() {
	u.order = u.order[:0]
	for id := range u.convs {
		u.order = append(u.order, id)
	}
	sort.SliceStable(u.order, func(i, j int) bool {
		a, b := u.convs[u.order[i]].contact, u.convs[u.order[j]].contact
		if ra, rb := a.State == app.ContactPendingIn, b.State == app.ContactPendingIn; ra != rb {
			return ra
		}
		if !a.LastActivity.Equal(b.LastActivity) {
			return a.LastActivity.After(b.LastActivity)
		}
		return a.ID.String() < b.ID.String()
	})
}

func (u *UI) indexOf(id crypto.ID) int {
	for i, x := range u.order {
		if x == id {
			return i
		}
	}
	return -1
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
	for i, id := range u.order {
		c := u.convs[id].contact
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
func (u *UI) open(id crypto.ID) {
	if u.main == nil || id == u.cur {
		return
	}
	if old := u.convs[u.cur]; old != nil {
		old.draft = u.main.input.GetText()
		old.marker = app.MessageID{}
		u.stopTyping()
	}
	u.cur = id
	u.main.completion = nil
	conv := u.convs[id]
	if conv == nil {
		u.main.rebuilding = true
		u.main.input.SetText("")
		u.main.rebuilding = false
		u.renderAll()
		return
	}
	u.main.rebuilding = true
	u.main.input.SetText(conv.draft)
	u.main.rebuilding = false
	if !conv.loaded {
		u.renderAll()
		u.loadLatest(id)
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
		c := u.convs[id].contact
		if c.Unread > 0 || c.State == app.ContactPendingIn {
			u.open(id)
			return
		}
	}
	u.notice("Nothing unread.")
}
