package app

import (
	"fmt"
	"slices"
	"strings"

	"jarvis/crypto"
)

// displayNames maps each member of r to the name to show: the roster name,
// followed by the short ID when another member bears the same name, so two
// members can never pass for each other.
func displayNames(rs ...*crypto.Roster) map[crypto.ID]string {
	out := make(map[crypto.ID]string)
	for _, r := range rs {
		for _, rm := range r.Members {
			out[rm.Keys.ID()] = rm.Name
		}
	}
	return disambiguate(out)
}

// shownNames maps each member of g's current roster to the name this user
// sees (directory.memberName: a contact as the user knows them, anyone
// else by their own roster name), disambiguated like displayNames.
func (m *groupManager) shownNames(g *group) map[crypto.ID]string {
	out := make(map[crypto.ID]string, len(g.roster.Members))
	for _, rm := range g.roster.Members {
		id := rm.Keys.ID()
		out[id] = m.core.dir.memberName(id, rm.Name)
	}
	return disambiguate(out)
}

// disambiguate adds the short ID to every name that more than one ID bears
// (compared without case and invisible characters, which screens drop),
// and to every name that itself ends like a short ID in parentheses, so
// "bob (a1b2c3d4)" typed as a name cannot pass for a disambiguated Bob.
func disambiguate(names map[crypto.ID]string) map[crypto.ID]string {
	key := func(n string) string { return strings.ToLower(crypto.StripInvisible(n)) }
	count := make(map[string]int, len(names))
	for _, n := range names {
		count[key(n)]++
	}
	for id, n := range names {
		if count[key(n)] > 1 || endsLikeShortID(n) {
			names[id] = fmt.Sprintf("%s (%s)", n, id.Short())
		}
	}
	return names
}

// endsLikeShortID reports a name ending in "(" + eight base32 characters
// + ")", the shape disambiguate gives.
func endsLikeShortID(name string) bool {
	name = strings.TrimSpace(name)
	open := strings.LastIndexByte(name, '(')
	if open < 0 || !strings.HasSuffix(name, ")") || len(name)-open-2 != len(crypto.ID{}.Short()) {
		return false
	}
	inner := strings.ToLower(name[open+1 : len(name)-1])
	return strings.Trim(inner, "abcdefghijklmnopqrstuvwxyz234567") == ""
}

// rosterChanges describes what changed between two versions, for system
// lines in the conversation.
func rosterChanges(prev, next *crypto.Roster, self crypto.ID) []string {
	before, after := displayNames(prev), displayNames(next)
	who := func(id crypto.ID) string {
		if id == self {
			return "you"
		}
		if n, ok := after[id]; ok {
			return n
		}
		if n, ok := before[id]; ok {
			return n
		}
		return id.Short()
	}
	by := who(next.Signer)
	var out []string
	for _, pm := range prev.Members {
		id := pm.Keys.ID()
		nm, still := next.Member(id)
		switch {
		case !still && id == next.Signer:
			out = append(out, fmt.Sprintf("%s left", who(id)))
		case !still:
			out = append(out, fmt.Sprintf("%s removed %s", by, who(id)))
		default:
			out = append(out, memberChanges(pm, nm, id == self, by, before[id], who(id))...)
		}
	}
	for _, nm := range next.Members {
		if _, had := prev.Member(nm.Keys.ID()); !had {
			out = append(out, fmt.Sprintf("%s added %s", by, who(nm.Keys.ID())))
		}
	}
	if next.Name != prev.Name {
		out = append(out, fmt.Sprintf("%s renamed the group to %q", by, next.Name))
	}
	if next.Description != prev.Description {
		out = append(out, fmt.Sprintf("%s changed the description", by))
	}
	return out
}

// memberChanges describes what changed for one member who stays: role,
// name (by the old name, so the line says who it was) and addresses.
func memberChanges(pm, nm crypto.RosterMember, self bool, by, was, now string) []string {
	var out []string
	if nm.Role != pm.Role {
		out = append(out, fmt.Sprintf("%s made %s %s", by, now, roleArticle(nm.Role)))
	}
	switch {
	case nm.Name != pm.Name && self:
		out = append(out, fmt.Sprintf("you are now called %q in the group", nm.Name))
	case nm.Name != pm.Name:
		out = append(out, fmt.Sprintf("%s is now called %q", was, nm.Name))
	}
	switch {
	case slices.Equal(nm.Addrs, pm.Addrs):
	case self:
		out = append(out, "your addresses in the group changed")
	default:
		out = append(out, fmt.Sprintf("%s changed their addresses", now))
	}
	return out
}

func roleArticle(r crypto.Role) string {
	if r == crypto.RoleAdmin || r == crypto.RoleOwner {
		return "an " + r.String()
	}
	return "a " + r.String()
}
