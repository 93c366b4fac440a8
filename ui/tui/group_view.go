package tui

import (
	"fmt"
	"strings"

	"jarvis/app"
	"jarvis/crypto"
)

// What a group shows that a chat does not: its dot, header, banner and
// roster. Everything else renders through the conversation's one path.

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

// groupHeader is the header line for an open group.
func (u *UI) groupHeader(g app.Group) string {
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
// to follow (in a chat the one other author keeps one colour too).
func authorColor(id crypto.ID) string {
	palette := []string{"yellow", "aqua", "fuchsia", "lime", "orange", "dodgerblue", "pink"}
	return palette[int(id[0])%len(palette)]
}

// groupBanner explains an invite, or that we left.
func (u *UI) groupBanner(conv *conversation) []piece {
	g := conv.group
	switch g.State {
	case app.GroupInvited:
		inviter := conv.inviter
		if inviter == "" {
			inviter = u.nameIn(g, g.InvitedBy)
		}
		ps := []piece{{u.theme.tag("yellow"), sentence(plainPeerText(inviter, false) + " invited you to the group #" +
			plainPeerText(g.Name, false))}}
		text := ""
		if g.Description != "" {
			text += "\n" + plainPeerText(g.Description, false)
		}
		text += "\nMembers: " + memberNames(g) +
			"\nType /accept (or /join) to join, /reject (or /decline) to decline. /members shows who is in it."
		return append(ps, piece{"", text})
	case app.GroupLeft:
		return []piece{{u.theme.tag("gray"), "You are no longer a member of this group. /delete removes it and its history."}}
	}
	return nil
}

// memberNames lists a group's members for one line, as plain text.
func memberNames(g app.Group) string {
	var names []string
	for _, m := range g.Members {
		if m.Self {
			names = append(names, "you")
		} else {
			names = append(names, plainPeerText(shownName(m), false))
		}
	}
	return strings.Join(names, ", ")
}

// plural is "1 member", "2 members".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
