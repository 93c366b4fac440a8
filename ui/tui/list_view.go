package tui

import (
	"context"
	"fmt"
	"jarvis/crypto"

	"jarvis/app"
)

// loadConversations fetches the contacts, groups, requests and invites
// at start. Events that arrive meanwhile are kept: upserting keeps what
// the UI already knows.
func (u *UI) loadConversations() {
	core := u.core
	u.async(func(ctx context.Context) func() {
		contacts, err := core.Contacts(ctx)
		var groups []app.Group
		if err == nil {
			groups, err = core.Groups(ctx)
		}
		kept, keptErr := core.FrontendState(ctx)
		// Offers still waiting and transfers still running get their
		// lines back, so /get, /reject and /cancel work after a restart.
		transfers, transfersErr := core.Transfers(ctx)
		return func() {
			if err != nil {
				u.notice("Could not load your conversations: " + err.Error())
				return
			}
			if keptErr != nil {
				u.notice("Could not read your drafts: " + keptErr.Error())
			}
			for _, c := range contacts {
				u.upsertContact(c)
			}
			for _, g := range groups {
				u.upsertGroup(g)
			}
			if transfersErr != nil {
				u.notice("Could not read your file transfers: " + transfersErr.Error())
			}
			u.restoreTransfers(transfers)
			st := parseKept(kept)
			u.renumber(st)
			u.sortConvs()
			if !u.exists(u.cur) {
				if k := u.restore(st); u.exists(k) {
					u.open(k)
					return
				}
			}
			u.listChanged()
		}
	})
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
		mv.list.AddItem(u.listItem(i, u.convs[k]), "", 0, nil)
	}
	if i := u.indexOf(u.cur); i >= 0 {
		mv.list.SetCurrentItem(i)
	}
	if u.tampered {
		// Not "no contacts yet": what is missing was refused, not absent.
		for _, line := range []string{"data was changed", "outside Jarvis:", "restore a backup"} {
			mv.list.AddItem("[red]"+line+"[-]", "", 0, nil)
		}
	}
	if len(u.order) == 0 && !u.tampered {
		mv.list.AddItem("[::d]no contacts yet[::-]", "", 0, nil)
		mv.list.AddItem("[::d]type /code[::-]", "", 0, nil)
	}
}

// listItem is a conversation's line in the list: its number (for
// Alt+1…9), state dot, name and unread count.
func (u *UI) listItem(i int, conv *conversation) string {
	text := u.dot(conv) + " "
	switch {
	case conv.awaitingAnswer() && conv.id.IsGroup():
		text += u.theme.paint("yellow", "invite: ")
	case conv.awaitingAnswer():
		text += u.theme.paint("yellow", "request: ")
	}
	if conv.id.IsGroup() {
		text += "#"
	}
	text += peerText(conv.name(), false)
	if conv.contact.Verified {
		text += u.theme.paint("green", " ✔")
	}
	if conv.unread > 0 {
		text += u.theme.paint("yellow", fmt.Sprintf(" (%d)", conv.unread))
		if !u.theme.color {
			text = "[::b]" + text + "[::-]"
		}
	}
	if i < 9 {
		text = fmt.Sprintf("%d ", i+1) + text
	}
	return text
}

// dot is a conversation's state mark in the list and header.
func (u *UI) dot(conv *conversation) string {
	if conv.id.IsGroup() {
		return u.groupDot(conv.group)
	}
	return u.theme.dot(conv.contact)
}

// open switches to a conversation, keeping each one's draft.
func (u *UI) open(k app.ConversationID) {
	if u.main == nil || k == u.cur {
		return
	}
	u.dropPick() // a reply or edit belongs to the conversation it began in
	if old := u.convs[u.cur]; old != nil {
		old.draft = u.main.input.GetText()
		old.marker = crypto.MessageID{}
		old.target = crypto.MessageID{}
		u.stopTyping()
		if old.draft != "" {
			u.saveKeptNow()
		}
	}
	u.cur = k
	u.main.completion = nil
	conv := u.convs[k]
	u.switchNotice(conv)
	draft := ""
	if conv != nil {
		draft = conv.draft
	}
	u.main.rebuilding = true
	u.main.input.SetText(draft)
	u.main.rebuilding = false
	switch {
	case conv == nil:
		u.renderAll()
	case !conv.loaded:
		u.renderAll()
		u.loadLatest(conv)
	default:
		u.showNewest(conv)
	}
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
	for i := 1; i <= n; i++ {
		k := u.order[(start+i+n)%n]
		if conv := u.convs[k]; conv.unread > 0 || conv.awaitingAnswer() {
			u.open(k)
			return
		}
	}
	u.notice("Nothing unread.")
}
