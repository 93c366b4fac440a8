package tui

import (
	"fmt"
	"slices"
	"strings"

	"jarvis/app"
	"jarvis/crypto"
)

// showMembers shows a group's roster.
func showMembers(u *UI, g app.Group) {
	u.showDialog("members", "Members of #"+peerText(g.Name, false), textBody(membersText(u.theme, g)), 64)
}

func membersText(t theme, g app.Group) string {
	online := 0
	for _, m := range g.Members {
		if m.Online {
			online++
		}
	}
	return plural(len(g.Members), "member") + fmt.Sprintf(", %d online\n\n", online) + rosterText(t, g)
}

// showGroupInfo shows a group's details.
func showGroupInfo(u *UI, id crypto.GroupID) {
	g := u.convs[app.GroupChat(id)].group
	inviter := ""
	if !g.InvitedBy.IsZero() {
		inviter = peerText(u.nameIn(g, g.InvitedBy), false)
	}
	u.showDialog("groupinfo", "Group", textBody(groupInfoText(u.theme, g, inviter)), 70)
}

// groupInfoText describes g; inviter is who invited us, escaped, or "".
func groupInfoText(t theme, g app.Group, inviter string) string {
	var b strings.Builder
	b.WriteString("[::b]#" + peerText(g.Name, false) + "[::-]\n")
	if g.Description != "" {
		b.WriteString(peerText(g.Description, true) + "\n")
	}
	b.WriteString("\nID       " + g.ID.String() + "\n")
	fmt.Fprintf(&b, "Version  %d (of the member list)\n", g.Version)
	b.WriteString("State    " + g.State.String() + "\n")
	if g.State == app.GroupActive {
		b.WriteString("You are  " + roleName(g.MyRole) + "\n")
	}
	if inviter != "" {
		b.WriteString("Invited by " + inviter + "\n")
	}
	fmt.Fprintf(&b, "\n[::b]Members[::-] (%d)\n", len(g.Members))
	b.WriteString(rosterText(t, g))
	return b.String()
}

// rosterText lists members with an online dot and their role: owner and
// admins first, then by name; "you" marks us.
func rosterText(t theme, g app.Group) string {
	members := slices.Clone(g.Members)
	slices.SortStableFunc(members, func(a, b app.GroupMember) int {
		if a.Role != b.Role {
			return int(b.Role) - int(a.Role)
		}
		return strings.Compare(strings.ToLower(shownName(a)), strings.ToLower(shownName(b)))
	})
	var b strings.Builder
	for _, m := range members {
		dot := t.paint("gray", "○")
		if m.Online {
			dot = t.paint("green", "●")
		}
		name := peerText(shownName(m), false)
		if m.Self {
			name += t.paint("teal", " (you)")
		}
		role := m.Role.String()
		if m.Role != crypto.RoleMember {
			role = t.paint("yellow", role)
		}
		fmt.Fprintf(&b, "%s %s · %s · %s\n", dot, name, role, m.ID.Short())
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func roleName(r crypto.Role) string {
	switch r {
	case crypto.RoleOwner:
		return "the owner"
	case crypto.RoleAdmin:
		return "an admin"
	case crypto.RoleMember:
		return "a member"
	}
	return "not a member"
}
