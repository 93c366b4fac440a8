package tui

import (
	"errors"
	"sort"
	"strings"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// convKey names a conversation: a contact, or a group (contact zero).
type convKey struct {
	contact crypto.ID
	group   crypto.GroupID
}

func contactKey(id crypto.ID) convKey    { return convKey{contact: id} }
func groupKey(id crypto.GroupID) convKey { return convKey{group: id} }
func (k convKey) isGroup() bool          { return k.group != crypto.GroupID{} }
func (k convKey) isZero() bool           { return k == convKey{} }

func (k convKey) String() string {
	if k.isGroup() {
		return "g" + k.group.String()
	}
	return "c" + k.contact.String()
}

// convSummary is what the list, the hotlist and name lookups need of any
// conversation.
type convSummary struct {
	name    string // as the peer supplied it: sanitise before showing
	pending bool   // a contact request or group invite to answer
	unread  int
	last    time.Time
}

// convList is the UI's model of the conversations: what is known of each,
// their order in the list and which one is open. It holds no widgets, so
// commands and completion can be tested without a screen. UI embeds it.
type convList struct {
	convs  map[crypto.ID]*conversation
	groups map[crypto.GroupID]*groupConv
	order  []convKey // conversation list order
	cur    convKey   // open conversation; zero for none
}

func newConvList() convList {
	return convList{
		convs:  make(map[crypto.ID]*conversation),
		groups: make(map[crypto.GroupID]*groupConv),
	}
}

func (l *convList) summaryOf(k convKey) convSummary {
	if k.isGroup() {
		gc := l.groups[k.group]
		if gc == nil {
			return convSummary{}
		}
		g := gc.group
		return convSummary{name: g.Name, pending: g.State == app.GroupInvited, unread: g.Unread, last: g.LastActivity}
	}
	conv := l.convs[k.contact]
	if conv == nil {
		return convSummary{}
	}
	c := conv.contact
	return convSummary{name: c.Name, pending: c.State == app.ContactPendingIn, unread: c.Unread, last: c.LastActivity}
}

// exists says whether k names a known conversation.
func (l *convList) exists(k convKey) bool {
	if k.isGroup() {
		return l.groups[k.group] != nil
	}
	return l.convs[k.contact] != nil
}

// openGroup is the open group; nil when a 1:1 chat or nothing is open.
func (l *convList) openGroup() *groupConv { return l.groups[l.cur.group] }

// draftOf points at the draft of a conversation; nil if there is none.
func (l *convList) draftOf(k convKey) *string {
	if k.isGroup() {
		if gc := l.groups[k.group]; gc != nil {
			return &gc.draft
		}
		return nil
	}
	if conv := l.convs[k.contact]; conv != nil {
		return &conv.draft
	}
	return nil
}

// upsert records a contact's latest description, keeping the UI's state.
func (l *convList) upsert(c app.Contact) *conversation {
	conv := l.convs[c.ID]
	if conv == nil {
		conv = &conversation{}
		l.convs[c.ID] = conv
	}
	if conv.contact.ID == c.ID && c.LastActivity.Before(conv.contact.LastActivity) {
		c.LastActivity = conv.contact.LastActivity
	}
	conv.contact = c
	return conv
}

// sortConvs orders the list: requests and invites to answer first, then
// latest activity.
func (l *convList) sortConvs() {
	l.order = l.order[:0]
	for id := range l.convs {
		l.order = append(l.order, contactKey(id))
	}
	for id := range l.groups {
		l.order = append(l.order, groupKey(id))
	}
	sum := make(map[convKey]convSummary, len(l.order))
	for _, k := range l.order {
		sum[k] = l.summaryOf(k)
	}
	sort.SliceStable(l.order, func(i, j int) bool {
		a, b := sum[l.order[i]], sum[l.order[j]]
		if a.pending != b.pending {
			return a.pending
		}
		if !a.last.Equal(b.last) {
			return a.last.After(b.last)
		}
		return l.order[i].String() < l.order[j].String()
	})
}

func (l *convList) indexOf(k convKey) int {
	for i, x := range l.order {
		if x == k {
			return i
		}
	}
	return -1
}

// onlyPending returns the one request or invite waiting for an answer, if
// exactly one does, so a bare /accept works from any conversation.
func (l *convList) onlyPending() (convKey, bool) {
	var found []convKey
	for _, k := range l.order {
		if l.summaryOf(k).pending {
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		return convKey{}, false
	}
	return found[0], true
}

// find looks a conversation up by name (case-insensitive) or by an ID
// prefix of at least 4 characters. kind narrows it to argContact or
// argGroup; anything else searches both. The error is a notice.
func (l *convList) find(arg string, kind argKind) (convKey, error) {
	fits := func(k convKey) bool {
		switch kind {
		case argContact:
			return !k.isGroup()
		case argGroup:
			return k.isGroup()
		}
		return true
	}
	var found []convKey
	for _, k := range l.order {
		if fits(k) && strings.EqualFold(plainPeerText(l.summaryOf(k).name, false), arg) {
			found = append(found, k)
		}
	}
	if len(found) == 0 && len(arg) >= 4 {
		for _, k := range l.order {
			if fits(k) && strings.HasPrefix(k.String()[1:], strings.ToLower(arg)) {
				found = append(found, k)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return convKey{}, errors.New("No " + kind.noun() + " called " + arg + ".")
	}
	return convKey{}, errors.New("Several are called " + arg + "; use the start of the ID (see /info).")
}

// member finds a member of g other than us by name (case-insensitive) or
// ID prefix of at least 4 characters. The error is a notice.
func member(g app.Group, arg string) (app.GroupMember, error) {
	var found []app.GroupMember
	for _, m := range g.Members {
		if !m.Self && strings.EqualFold(plainPeerText(m.Name, false), arg) {
			found = append(found, m)
		}
	}
	if len(found) == 0 && len(arg) >= 4 {
		for _, m := range g.Members {
			if !m.Self && strings.HasPrefix(m.ID.String(), strings.ToLower(arg)) {
				found = append(found, m)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return app.GroupMember{}, errors.New("No other member called " + arg + "; /members lists them.")
	}
	return app.GroupMember{}, errors.New("Several members are called " + arg + "; use the start of the ID (see /members).")
}

// nameIn is a member's name from the roster, escaped, or a short ID.
func (l *convList) nameIn(g app.Group, id crypto.ID) string {
	for _, m := range g.Members {
		if m.ID == id {
			return peerText(m.Name, false)
		}
	}
	if c := l.convs[id]; c != nil {
		return peerText(c.contact.Name, false)
	}
	return id.Short()
}

// candidates are the names Tab offers for an argument of kind: members of
// the open group other than us; contacts who accepted and are not in the
// open group (whom /invite can add); groups; or every conversation.
func (l *convList) candidates(kind argKind) []string {
	var names []string
	gc := l.openGroup()
	switch kind {
	case argNone:
		return nil
	case argMember:
		if gc == nil {
			return nil
		}
		for _, m := range gc.group.Members {
			if !m.Self {
				names = append(names, plainPeerText(m.Name, false))
			}
		}
		return names
	case argContact:
		in := make(map[crypto.ID]bool)
		if gc != nil {
			for _, m := range gc.group.Members {
				in[m.ID] = true
			}
		}
		for id, conv := range l.convs {
			if !in[id] && conv.contact.State == app.ContactAccepted {
				names = append(names, plainPeerText(conv.contact.Name, false))
			}
		}
		return names
	}
	for _, k := range l.order {
		if kind != argGroup || k.isGroup() {
			names = append(names, plainPeerText(l.summaryOf(k).name, false))
		}
	}
	return names
}
