package tui

import (
	"time"

	"jarvis/app"
)

// handleGroupEvent applies what only groups have: invites, roster and
// state changes, system lines. handleEvent renders afterwards.
func (u *UI) handleGroupEvent(ev app.Event) {
	switch e := ev.(type) {
	case app.GroupInvite:
		conv := u.upsertGroup(e.Group)
		conv.inviter = e.FromName
		u.sortConvs()
		where := plainPeerText(e.FromName, false) + " invited you to #" + plainPeerText(e.Group.Name, false)
		u.alert(where, "")
		u.offer(conv.id, where+". Alt+A opens the invite.")
	case app.GroupUpdated:
		u.groupUpdated(e.Group)
	case app.GroupSystem:
		conv := u.convs[app.GroupChat(e.Group)]
		if conv == nil {
			return
		}
		now := time.Now()
		conv.addSystem(e, now)
		conv.touch(now)
		u.sortConvs()
	case app.GroupRemoved:
		u.drop(app.GroupChat(e.ID))
	}
}

// groupUpdated records a group's new description and says so if we are
// no longer in it.
func (u *UI) groupUpdated(g app.Group) {
	was := app.GroupState(0)
	if conv := u.convs[app.GroupChat(g.ID)]; conv != nil {
		was = conv.group.State
	}
	conv := u.upsertGroup(g)
	if was == app.GroupActive && g.State == app.GroupLeft {
		u.notice(sentence("You are no longer in #"+plainPeerText(g.Name, false)) + " /delete removes it and its history.")
	}
	if conv.unread > 0 && u.watching(conv.id) {
		u.markSeen(conv)
	}
	u.sortConvs()
}
