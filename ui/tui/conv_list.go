package tui

import (
	"sort"
	"strings"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// convList is the UI's model of the conversations: what is known of each,
// their order in the list and which one is open. It holds no widgets, so
// commands and completion can be tested without a screen. UI embeds it.
type convList struct {
	convs map[app.ConversationID]*conversation
	order []app.ConversationID // conversation list order
	cur   app.ConversationID   // open conversation; zero for none
	seen  int                  // conversations numbered so far
	// presence is the last PeerStatus heard of each contact. A contact
	// list read at start may be older than it (the session came up while
	// the list was on its way), and the event may come before the contact
	// is known at all, so upsertContact lays it over what it is given.
	presence map[crypto.ID]app.PeerStatus
}

func newConvList() convList {
	return convList{convs: make(map[app.ConversationID]*conversation), presence: make(map[crypto.ID]app.PeerStatus)}
}

// exists says whether k names a known conversation.
func (l *convList) exists(k app.ConversationID) bool { return l.convs[k] != nil }

// openGroup is the open group; nil when a 1:1 chat or nothing is open.
func (l *convList) openGroup() *conversation {
	if !l.cur.IsGroup() {
		return nil
	}
	return l.convs[l.cur]
}

// contact is the conversation with a contact; nil if there is none.
func (l *convList) contact(id crypto.ID) *conversation { return l.convs[app.ContactChat(id)] }

// ensure returns the conversation k, making it if it is new.
func (l *convList) ensure(k app.ConversationID) *conversation {
	conv := l.convs[k]
	if conv == nil {
		conv = &conversation{id: k, follow: true}
		l.convs[k] = conv
	}
	return conv
}

// upsertContact records a contact's latest description, keeping the UI's
// state and the latest activity it has seen.
func (l *convList) upsertContact(c app.Contact) *conversation {
	conv := l.ensure(app.ContactChat(c.ID))
	conv.contact = c
	if p, ok := l.presence[c.ID]; ok {
		applyPresence(&conv.contact, p)
	}
	conv.unread = c.Unread
	conv.last = later(conv.last, c.LastActivity)
	return conv
}

// notePresence records a contact going on- or offline and returns its
// conversation, nil if the contact is not known yet.
func (l *convList) notePresence(e app.PeerStatus) *conversation {
	l.presence[e.ID] = e
	conv := l.contact(e.ID)
	if conv != nil {
		applyPresence(&conv.contact, e)
	}
	return conv
}

func applyPresence(c *app.Contact, e app.PeerStatus) {
	c.Online, c.Path, c.Remote, c.LastSeen = e.Online, e.Path, e.Remote, e.LastSeen
}

// upsertGroup records a group's latest description, like upsertContact.
func (l *convList) upsertGroup(g app.Group) *conversation {
	conv := l.ensure(app.GroupChat(g.ID))
	conv.group = g
	conv.unread = g.Unread
	conv.last = later(conv.last, g.LastActivity)
	return conv
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// sortConvs orders the list by when each conversation first appeared, so
// a number (Alt+1…9, "Act:") keeps naming the same conversation as
// messages arrive. Those appearing together (all of them at start) take
// their places by activity: requests and invites to answer first, then
// the latest.
func (l *convList) sortConvs() {
	var fresh []app.ConversationID
	l.order = l.order[:0]
	for k, conv := range l.convs {
		l.order = append(l.order, k)
		if conv.num == 0 {
			fresh = append(fresh, k)
		}
	}
	sort.Slice(fresh, func(i, j int) bool {
		a, b := l.convs[fresh[i]], l.convs[fresh[j]]
		if a.awaitingAnswer() != b.awaitingAnswer() {
			return a.awaitingAnswer()
		}
		if !a.last.Equal(b.last) {
			return a.last.After(b.last)
		}
		return a.id.String() < b.id.String()
	})
	for _, k := range fresh {
		l.seen++
		l.convs[k].num = l.seen
	}
	sort.Slice(l.order, func(i, j int) bool { return l.convs[l.order[i]].num < l.convs[l.order[j]].num })
}

func (l *convList) indexOf(k app.ConversationID) int {
	for i, x := range l.order {
		if x == k {
			return i
		}
	}
	return -1
}

// onlyPending returns the one request or invite waiting for an answer, if
// exactly one does, so a bare /accept works from any conversation.
func (l *convList) onlyPending() (app.ConversationID, bool) {
	var found []app.ConversationID
	for _, k := range l.order {
		if l.convs[k].awaitingAnswer() {
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		return app.ConversationID{}, false
	}
	return found[0], true
}

// nameIn is a member's name from the roster (or our contact list) as the
// peer supplied it, or a short ID.
func (l *convList) nameIn(g app.Group, id crypto.ID) string {
	for _, m := range g.Members {
		if m.ID == id {
			return shownName(m)
		}
	}
	if c := l.contact(id); c != nil {
		return c.contact.Name
	}
	return id.Short()
}

// candidates are the names Tab offers for an argument of kind: members of
// the open group other than us; contacts who accepted and are not in the
// open group (whom /invite can add); groups; or every conversation. Tab
// only lists names; what a typed name means is the core's to resolve.
func (l *convList) candidates(kind argKind) []string {
	switch kind {
	case argNone, argPath:
		return nil
	case argMember:
		return l.memberNames()
	case argContact:
		return l.invitableNames()
	}
	var names []string
	for _, k := range l.order {
		if kind != argGroup || k.IsGroup() {
			names = append(names, plainPeerText(l.convs[k].name(), false))
		}
	}
	return names
}

// memberNames are the open group's members other than us: the name shown
// (for a contact, the user's label), or the short ID for a name two
// members share, since the core resolves a name only when it is unique.
func (l *convList) memberNames() []string {
	gc := l.openGroup()
	if gc == nil {
		return nil
	}
	var names []string
	for _, m := range gc.group.Members {
		switch {
		case m.Self:
		case strings.HasSuffix(m.Display, "("+m.ID.Short()+")"):
			names = append(names, m.ID.Short())
		default:
			names = append(names, plainPeerText(shownName(m), false))
		}
	}
	return names
}

// invitableNames are the contacts who accepted and are not in the open
// group.
func (l *convList) invitableNames() []string {
	in := make(map[crypto.ID]bool)
	if gc := l.openGroup(); gc != nil {
		for _, m := range gc.group.Members {
			in[m.ID] = true
		}
	}
	var names []string
	for k, conv := range l.convs {
		if !k.IsGroup() && !in[k.Contact()] && conv.contact.State == app.ContactAccepted {
			names = append(names, plainPeerText(conv.contact.Name, false))
		}
	}
	return names
}

// shownName is how a member is shown: the core's Display, which adds the
// short ID to a name another member also has.
func shownName(m app.GroupMember) string {
	if m.Display != "" {
		return m.Display
	}
	return m.Name
}
