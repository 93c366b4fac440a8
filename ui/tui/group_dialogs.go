package tui

import (
	"fmt"
	"slices"
	"strings"

	"jarvis/app"
	"jarvis/crypto"
)

// rosterLines lists members with an online dot and their role: owner and
// admins first, then by name; "you" marks us.
func (u *UI) rosterLines(g app.Group) string {
	members := slices.Clone(g.Members)
	slices.SortStableFunc(members, func(a, b app.GroupMember) int {
		if a.Role != b.Role {
			return int(b.Role) - int(a.Role)
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	var b strings.Builder
	for _, m := range members {
		dot := u.theme.paint("gray", "○")
		if m.Online {
			dot = u.theme.paint("green", "●")
		}
		name := peerText(m.Name, false)
		if m.Self {
			name += u.theme.paint("teal", " (you)")
		}
		role := m.Role.String()
		if m.Role != crypto.RoleMember {
			role = u.theme.paint("yellow", role)
		}
		fmt.Fprintf(&b, "%s %s · %s · %s\n", dot, name, role, m.ID.Short())
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// showMembers shows a group's roster.
func (u *UI) showMembers(g app.Group) {
	online := 0
	for _, m := range g.Members {
		if m.Online {
			online++
		}
	}
	text := plural(len(g.Members), "member") + fmt.Sprintf(", %d online\n\n", online) + u.rosterLines(g)
	h := min(len(g.Members)+6, 30)
	u.showDialog("members", "Members of #"+peerText(g.Name, false), textBody(text), 64, h)
}

// showGroupInfo shows a group's details.
func (u *UI) showGroupInfo(id crypto.GroupID) {
	gc := u.groups[id]
	if gc == nil {
		return
	}
	g := gc.group
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
	if !g.InvitedBy.IsZero() {
		b.WriteString("Invited by " + u.nameIn(g, g.InvitedBy) + "\n")
	}
	fmt.Fprintf(&b, "\n[::b]Members[::-] (%d)\n", len(g.Members))
	b.WriteString(u.rosterLines(g))
	h := min(len(g.Members)+14, 36)
	u.showDialog("groupinfo", "Group", textBody(b.String()), 70, h)
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
