package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// groupConv is the UI's state for one group: a window of loaded lines
// (messages and system lines), the draft, and transient marks.
type groupConv struct {
	group    app.Group
	inviter  string // the inviter's roster name, for an invite
	lines    []groupLine
	loaded   bool
	loading  bool
	hasOlder bool
	hasNewer bool
	draft    string
	marker   app.MessageID
}

// groupLine is a message, or a system line when system is set. System
// lines are not stored by the core: they live as long as the window.
type groupLine struct {
	msg     app.Message
	system  string
	queued  bool // a local echo the core has not stored yet
	failed  bool
	echoKey app.MessageID
}

func (l groupLine) at() time.Time {
	if !l.msg.At.IsZero() {
		return l.msg.At
	}
	return l.msg.SentAt
}

func (gc *groupConv) find(id app.MessageID) int {
	for i := len(gc.lines) - 1; i >= 0; i-- {
		if gc.lines[i].system == "" && gc.lines[i].msg.ID == id {
			return i
		}
	}
	return -1
}

// add appends a message unless it is already there.
func (gc *groupConv) add(m app.Message) {
	if gc.find(m.ID) < 0 {
		gc.lines = append(gc.lines, groupLine{msg: m})
	}
}

// markNew puts the "new messages" line before the first of the last n
// messages from others.
func (gc *groupConv) markNew(n int) {
	gc.marker = app.MessageID{}
	for i := len(gc.lines) - 1; i >= 0 && n > 0; i-- {
		if l := gc.lines[i]; l.system == "" && !l.msg.Outgoing {
			gc.marker = l.msg.ID
			n--
		}
	}
}

// others counts the members besides us.
func others(g app.Group) int {
	n := 0
	for _, m := range g.Members {
		if !m.Self {
			n++
		}
	}
	return n
}

// groupDot is a group's state: green when every other member is
// reachable, amber for some, red for none; grey when the network is down
// or there is nobody else. The glyph differs too, for NO_COLOR.
func (u *UI) groupDot(g app.Group) string {
	t := u.theme
	n := others(g)
	switch {
	case g.State == app.GroupInvited:
		return t.paint("yellow", "?")
	case g.State != app.GroupActive:
		return t.paint("gray", "×")
	case !u.engineUp || n == 0:
		return t.paint("gray", "○")
	case g.Online >= n:
		return t.paint("green", "●")
	case g.Online > 0:
		return t.paint("orange", "◐")
	}
	return t.paint("red", "○")
}

// groupListItem is a group's line in the conversation list.
func (u *UI) groupListItem(i int, g app.Group) string {
	text := u.groupDot(g) + " "
	if g.State == app.GroupInvited {
		text += u.theme.paint("yellow", "invite: ")
	}
	text += "#" + peerText(g.Name, false)
	if g.Unread > 0 {
		text += u.theme.paint("yellow", fmt.Sprintf(" (%d)", g.Unread))
		if !u.theme.color {
			text = "[::b]" + text + "[::-]"
		}
	}
	if i < 9 {
		text = fmt.Sprintf("%d ", i+1) + text
	}
	return text
}

// groupHeader is the header line for an open group.
func (u *UI) groupHeader(gc *groupConv) string {
	if gc == nil {
		return " Jarvis"
	}
	g := gc.group
	text := " " + u.groupDot(g) + " [::b]#" + peerText(g.Name, false) + "[::-] · "
	switch g.State {
	case app.GroupInvited:
		text += u.theme.paint("yellow", "invite") + " · " + plural(len(g.Members), "member")
	case app.GroupLeft:
		text += u.theme.paint("gray", "you are no longer a member")
	default:
		// We count ourselves: we are a member and we are online.
		text += plural(len(g.Members), "member") + fmt.Sprintf(", %d online", g.Online+1)
	}
	if g.Description != "" {
		text += " · " + u.theme.paint("gray", peerText(g.Description, false))
	}
	return text
}

// authorColor gives each author a stable colour, so a busy group is easy
// to follow.
func (u *UI) authorColor(id crypto.ID) string {
	palette := []string{"yellow", "aqua", "fuchsia", "lime", "orange", "dodgerblue", "pink"}
	return palette[int(id[0])%len(palette)]
}

// renderGroupChat fills the message view with a group.
func (u *UI) renderGroupChat(gc *groupConv) {
	mv := u.main
	if gc == nil {
		mv.chat.SetText(u.welcomeText())
		return
	}
	_, _, width, _ := mv.chat.GetInnerRect()
	g := gc.group
	var b strings.Builder
	switch g.State {
	case app.GroupInvited:
		inviter := peerText(gc.inviter, false)
		if gc.inviter == "" {
			inviter = u.nameIn(g, g.InvitedBy)
		}
		b.WriteString(u.theme.paint("yellow", inviter+" invited you to the group #"+peerText(g.Name, false)+".") + "\n")
		if g.Description != "" {
			b.WriteString(peerText(g.Description, false) + "\n")
		}
		b.WriteString("Members: " + u.memberNames(g) + "\n" +
			"Type /accept (or /join) to join, /reject (or /decline) to decline. /members shows who is in it.\n")
	case app.GroupLeft:
		b.WriteString(u.theme.paint("gray", "You are no longer a member of this group. /delete removes it and its history.") + "\n")
	}
	if gc.hasOlder {
		b.WriteString(u.theme.paint("gray", "↑ PgUp for older messages") + "\n")
	}
	now := time.Now()
	var prev time.Time
	for i, l := range gc.lines {
		at := l.at().Local()
		if i == 0 || !sameDay(prev, at) {
			b.WriteString(u.theme.paint("gray", separator(dayLabel(at, now), width)) + "\n")
		}
		prev = at
		if l.system != "" {
			b.WriteString(u.theme.paint("gray", at.Format("15:04")+" — "+peerText(l.system, false)) + "\n")
			continue
		}
		m := l.msg
		if m.ID == gc.marker && !m.Outgoing {
			b.WriteString(u.theme.paint("red", separator("new messages", width)) + "\n")
		}
		b.WriteString(u.theme.paint("gray", at.Format("15:04")) + " ")
		if m.Outgoing {
			b.WriteString(u.theme.paint("teal", "[::b]"+peerText(u.self.Name, false)+"[::-]"))
		} else {
			b.WriteString(u.theme.paint(u.authorColor(m.Author), "[::b]"+peerText(m.AuthorName, false)+"[::-]"))
		}
		b.WriteString(": " + peerText(m.Text, true))
		switch {
		case l.failed:
			b.WriteString(" " + u.theme.stateMark(app.StateFailed))
		case l.queued:
			b.WriteString(" " + u.theme.stateMark(app.StateQueued))
		}
		b.WriteString("\n")
	}
	if len(gc.lines) == 0 && g.State == app.GroupActive && gc.loaded {
		if others(g) == 0 {
			b.WriteString(u.theme.paint("gray", "Nobody else is here yet. /invite NAME adds a contact.") + "\n")
		} else {
			b.WriteString(u.theme.paint("gray", "No messages yet. Type below and press Enter.") + "\n")
		}
	}
	if gc.hasNewer {
		b.WriteString(u.theme.paint("gray", "↓ PgDn for newer messages") + "\n")
	}
	mv.chat.SetText(strings.TrimSuffix(b.String(), "\n"))
}

// memberNames lists a group's members for one line, escaped.
func (u *UI) memberNames(g app.Group) string {
	var names []string
	for _, m := range g.Members {
		if m.Self {
			names = append(names, "you")
		} else {
			names = append(names, peerText(m.Name, false))
		}
	}
	return strings.Join(names, ", ")
}

// openGroup shows a group just made current.
func (u *UI) openGroup(gc *groupConv) {
	if gc == nil {
		u.renderAll()
		return
	}
	if !gc.loaded {
		u.renderAll()
		u.loadGroupLatest(gc.group.ID)
		return
	}
	if gc.group.Unread > 0 {
		gc.markNew(gc.group.Unread)
	}
	u.markGroupRead(gc)
	u.renderAll()
	u.main.chat.ScrollToEnd()
}

// loadGroups fetches the groups and invites at start.
func (u *UI) loadGroups() {
	core := u.core
	u.async(func(ctx context.Context) func() {
		list, err := core.Groups(ctx)
		return func() {
			if err != nil {
				u.notice("Could not load groups: " + err.Error())
				return
			}
			for _, g := range list {
				u.upsertGroup(g)
			}
			u.listChanged()
		}
	})
}

// upsertGroup records a group's latest description, keeping the UI's
// state and the latest activity it has seen.
func (u *UI) upsertGroup(g app.Group) *groupConv {
	gc := u.groups[g.ID]
	if gc == nil {
		gc = &groupConv{}
		u.groups[g.ID] = gc
	}
	if gc.group.ID == g.ID && g.LastActivity.Before(gc.group.LastActivity) {
		g.LastActivity = gc.group.LastActivity
	}
	gc.group = g
	return gc
}

// markGroupRead clears a group's unread count, unless the screen is locked.
func (u *UI) markGroupRead(gc *groupConv) {
	if u.locked || gc.group.State != app.GroupActive || gc.group.Unread == 0 {
		return
	}
	gc.group.Unread = 0
	u.renderList()
	core, id := u.core, gc.group.ID
	u.async(func(ctx context.Context) func() {
		if err := core.MarkRead(ctx, app.GroupChat(id)); err != nil && ctx.Err() == nil {
			return func() { u.notice("Could not mark the group read: " + err.Error()) }
		}
		return nil
	})
}

// plural is "1 member", "2 members".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
