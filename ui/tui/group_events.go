package tui

import (
	"context"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// handleGroupEvent applies one group event; it runs on the UI goroutine
// and handleEvent renders afterwards.
func (u *UI) handleGroupEvent(ev app.Event) {
	switch e := ev.(type) {
	case app.GroupInvite:
		gc := u.upsertGroup(e.Group)
		gc.inviter = e.FromName
		u.sortConvs()
		name := "#" + plainPeerText(e.Group.Name, false)
		u.alert(plainPeerText(e.FromName, false)+" invited you to "+name, "")
		if u.cur.isZero() {
			u.open(groupKey(e.Group.ID))
		} else if u.cur != groupKey(e.Group.ID) {
			u.notice(plainPeerText(e.FromName, false) + " invited you to " + name + ". Alt+A opens the invite.")
		}
	case app.GroupUpdated:
		was := app.GroupState(0)
		if gc := u.groups[e.Group.ID]; gc != nil {
			was = gc.group.State
		}
		gc := u.upsertGroup(e.Group)
		if was == app.GroupActive && e.Group.State == app.GroupLeft {
			u.notice("You are no longer in #" + plainPeerText(e.Group.Name, false) + ". /delete removes it and its history.")
		}
		if gc.group.Unread > 0 && u.watching(groupKey(e.Group.ID)) {
			u.markGroupRead(gc)
		}
		u.sortConvs()
	case app.GroupSystem:
		gc := u.groups[e.Group]
		if gc == nil {
			return
		}
		now := time.Now()
		gc.lines = append(gc.lines, groupLine{system: e.Text, msg: app.Message{At: now}})
		if now.After(gc.group.LastActivity) {
			gc.group.LastActivity = now
		}
		u.sortConvs()
	case app.GroupRemoved:
		u.drop(groupKey(e.ID))
	}
}

// groupReceived files a message from another member and tells the user if
// they are not looking. Our own messages arrive as MessageStatus.
func (u *UI) groupReceived(m app.Message) {
	gc := u.groups[m.Conversation.Group()]
	if gc == nil {
		return
	}
	if m.At.After(gc.group.LastActivity) {
		gc.group.LastActivity = m.At
	} else {
		gc.group.LastActivity = time.Now()
	}
	if gc.loaded && !gc.hasNewer {
		gc.add(m)
	}
	gc.group.Unread++
	u.sortConvs()
	k := groupKey(m.Conversation.Group())
	alert := plainPeerText(m.AuthorName, false) + " wrote in #" + plainPeerText(gc.group.Name, false)
	if u.watching(k) {
		u.markGroupRead(gc)
		if !u.hasFocus() {
			u.alert(alert, m.Text)
		}
		return
	}
	if u.cur == k && gc.marker == (app.MessageID{}) {
		gc.marker = m.ID
	}
	u.alert(alert, m.Text)
}

// groupStatus settles one of our group messages by its ID. The queued
// status comes before SendGroup returns the ID, so an echo is settled by
// groupSent; this catches the later steps.
func (u *UI) groupStatus(e app.MessageStatus) {
	gc := u.groups[e.Conversation.Group()]
	if gc == nil {
		return
	}
	if i := gc.find(e.ID); i >= 0 {
		gc.lines[i].msg.State = max(gc.lines[i].msg.State, e.State)
		if e.State >= app.StateSent {
			gc.lines[i].queued = false
		}
	}
}

// groupSent settles the echo of a group message once SendGroup returns.
func (u *UI) groupSent(r sendRequest, id app.MessageID, err error) {
	gc := u.groups[r.group]
	if gc == nil {
		return
	}
	for i := range gc.lines {
		l := &gc.lines[i]
		if l.echoKey != r.echo {
			continue
		}
		if err != nil {
			l.queued, l.failed = false, true
			u.notice("Not sent: " + err.Error())
			break
		}
		l.queued = false
		if l.msg.ID == r.echo {
			if gc.find(id) >= 0 { // the stored message is already shown
				gc.lines = append(gc.lines[:i], gc.lines[i+1:]...)
			} else {
				l.msg.ID = id
			}
		}
		break
	}
	if u.cur == groupKey(r.group) {
		u.renderChat()
	}
}

// loadGroupLatest loads the newest page of a group.
func (u *UI) loadGroupLatest(id crypto.GroupID) {
	gc := u.groups[id]
	if gc == nil || gc.loading || u.core == nil {
		return
	}
	gc.loading = true
	core := u.core
	u.async(func(ctx context.Context) func() {
		msgs, err := core.History(ctx, app.GroupChat(id), 0, pageSize)
		return func() {
			gc.loading = false
			if err != nil {
				u.notice("Could not read the group's history: " + err.Error())
				return
			}
			gc.lines = mergeLines(msgs, gc.lines)
			gc.loaded = true
			gc.hasOlder = len(msgs) >= pageSize
			gc.hasNewer = false
			if u.cur == groupKey(id) {
				if gc.group.Unread > 0 {
					gc.markNew(gc.group.Unread)
				}
				u.markGroupRead(gc)
				u.renderChat()
				u.main.chat.ScrollToEnd()
			}
		}
	})
}

// mergeLines builds the window from a fresh newest page and what the old
// window held beyond it: system lines (by time), echoes and newer messages.
func mergeLines(msgs []app.Message, old []groupLine) []groupLine {
	lines := make([]groupLine, 0, len(msgs)+len(old))
	seen := make(map[app.MessageID]bool, len(msgs))
	for _, m := range msgs {
		lines = append(lines, groupLine{msg: m})
		seen[m.ID] = true
	}
	newest := int64(0)
	if len(msgs) > 0 {
		newest = msgs[len(msgs)-1].Cursor
	}
	for _, l := range old {
		switch {
		case l.system != "":
			i := len(lines)
			for i > 0 && lines[i-1].at().After(l.at()) {
				i--
			}
			lines = append(lines[:i], append([]groupLine{l}, lines[i:]...)...)
		case !seen[l.msg.ID] && (l.msg.Cursor == 0 || l.msg.Cursor > newest):
			seen[l.msg.ID] = true
			lines = append(lines, l)
		}
	}
	return lines
}

// loadGroupOlder prepends the page before the window, keeping the view
// still.
func (u *UI) loadGroupOlder(id crypto.GroupID) {
	gc := u.groups[id]
	if gc == nil || gc.loading || !gc.hasOlder || u.core == nil {
		return
	}
	before := int64(0)
	for _, l := range gc.lines {
		if l.system == "" && l.msg.Cursor != 0 {
			before = l.msg.Cursor
			break
		}
	}
	if before == 0 {
		u.loadGroupLatest(id)
		return
	}
	gc.loading = true
	core := u.core
	u.async(func(ctx context.Context) func() {
		older, err := core.History(ctx, app.GroupChat(id), before, pageSize)
		return func() {
			gc.loading = false
			if err != nil {
				u.notice("Could not read the group's history: " + err.Error())
				return
			}
			gc.hasOlder = len(older) >= pageSize
			lines := make([]groupLine, 0, len(older)+len(gc.lines))
			for _, m := range older {
				lines = append(lines, groupLine{msg: m})
			}
			gc.lines = append(lines, gc.lines...)
			if len(gc.lines) > maxWindow {
				gc.lines = gc.lines[:maxWindow]
				gc.hasNewer = true
			}
			if u.cur == groupKey(id) {
				u.keepScroll()
			}
		}
	})
}
