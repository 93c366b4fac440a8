package app

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"jarvis/crypto"
	"jarvis/store"
)

// directory holds the names frontends resolve against. Each manager
// publishes an immutable snapshot after every change it makes, so a lookup
// never waits behind a busy manager and never sees a half-made change.
type directory struct {
	contacts atomic.Pointer[contactIndex]
	groups   atomic.Pointer[[]groupEntry]
	// loaded is closed once both managers have published what they loaded,
	// so a lookup made right after Start does not miss a stored group.
	loaded       chan struct{}
	pending      atomic.Int32 // first snapshots still to come
	contactsOnce sync.Once
	groupsOnce   sync.Once
}

func newDirectory() *directory {
	d := &directory{loaded: make(chan struct{})}
	d.pending.Store(2)
	return d
}

func (d *directory) setContacts(list []contactEntry) {
	d.contacts.Store(newContactIndex(list))
	d.contactsOnce.Do(d.first)
}

func (d *directory) setGroups(list []groupEntry) {
	d.groups.Store(&list)
	d.groupsOnce.Do(d.first)
}

func (d *directory) first() {
	if d.pending.Add(-1) == 0 {
		close(d.loaded)
	}
}

// waitNames returns once both managers have published their first
// snapshot. Once they have, it answers at once, even after Close: the
// store and the last snapshot are still there to read.
func (c *Core) waitNames(ctx context.Context) error {
	select {
	case <-c.dir.loaded:
		return nil
	default:
	}
	select {
	case <-c.dir.loaded:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stopped:
		return ErrClosed
	}
}

// The entries carry the ID's text form, made once when the manager
// publishes, so a lookup by name among a thousand contacts does not
// encode a thousand IDs.
type contactEntry struct {
	id   crypto.ID
	key  string // id.String()
	name string
}

type groupEntry struct {
	id      crypto.GroupID
	key     string // id.String()
	name    string
	members []contactEntry // roster names
	active  bool           // we are a member (not invited, left or removed)
}

func (d *directory) contactList() []contactEntry {
	if p := d.contacts.Load(); p != nil {
		return p.list
	}
	return nil
}

// contactIndex is the contacts snapshot with what a send by ID or by name
// needs to find its contact without walking a thousand of them: built once
// per publish, read by any goroutine.
type contactIndex struct {
	list   []contactEntry
	byID   map[crypto.ID]int      // ID → index in list
	byKey  map[string]crypto.ID   // ID text → ID
	sorted []contactEntry         // by ID text, for prefixes
	byName map[string][]crypto.ID // foldName(name) → IDs
}

func newContactIndex(list []contactEntry) *contactIndex {
	x := &contactIndex{list: list, byID: make(map[crypto.ID]int, len(list)),
		byKey: make(map[string]crypto.ID, len(list)), byName: make(map[string][]crypto.ID, len(list))}
	for i, e := range list {
		x.byID[e.id] = i
		x.byKey[e.key] = e.id
		k := foldName(e.name)
		x.byName[k] = append(x.byName[k], e.id)
	}
	x.sorted = slices.SortedFunc(slices.Values(list), func(a, b contactEntry) int { return strings.Compare(a.key, b.key) })
	return x
}

// withPrefix returns the contacts whose ID text starts with prefix.
func (x *contactIndex) withPrefix(prefix string) []contactEntry {
	i, _ := slices.BinarySearchFunc(x.sorted, prefix, func(e contactEntry, p string) int { return strings.Compare(e.key, p) })
	j := i
	for j < len(x.sorted) && strings.HasPrefix(x.sorted[j].key, prefix) {
		j++
	}
	return x.sorted[i:j]
}

// foldName maps a name to a key that two names share exactly when
// strings.EqualFold holds between them: each rune becomes the smallest
// rune of its simple case-folding orbit.
func foldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

func (d *directory) groupList() []groupEntry {
	if p := d.groups.Load(); p != nil {
		return *p
	}
	return nil
}

func (d *directory) contact(id crypto.ID) (contactEntry, bool) {
	p := d.contacts.Load()
	if p == nil {
		return contactEntry{}, false
	}
	i, ok := p.byID[id]
	if !ok {
		return contactEntry{}, false
	}
	return p.list[i], true
}

// memberName is the name this user sees for a group member: the contact's
// name as the user knows them (their label, if any) for a contact, the
// member's own roster name otherwise.
func (d *directory) memberName(id crypto.ID, rosterName string) string {
	if e, ok := d.contact(id); ok {
		return e.name
	}
	return rosterName
}

func (d *directory) group(id crypto.GroupID) (groupEntry, bool) {
	for _, e := range d.groupList() {
		if e.id == id {
			return e, true
		}
	}
	return groupEntry{}, false
}

// isMember reports whether id is in the roster of a group we are an
// active member of: who may fetch a file offered there.
func (d *directory) isMember(g crypto.GroupID, id crypto.ID) bool {
	e, ok := d.group(g)
	if !ok || !e.active {
		return false
	}
	for _, m := range e.members {
		if m.id == id {
			return true
		}
	}
	return false
}

// publish replaces the contacts snapshot; it runs on the contact manager.
func (m *contactManager) publish() {
	list := make([]contactEntry, 0, len(m.contacts))
	for _, c := range m.contacts {
		list = append(list, contactEntry{id: c.ID, key: c.ID.String(), name: shownName(c)})
	}
	m.core.dir.setContacts(list)
}

// publish replaces the groups snapshot; it runs on the group manager.
// Declined invites are left out: for the user they do not exist.
func (m *groupManager) publish() {
	list := make([]groupEntry, 0, len(m.groups))
	for _, g := range m.groups {
		if g.local.Declined {
			continue
		}
		e := groupEntry{id: g.row.ID, key: g.row.ID.String(), name: g.roster.Name, members: make([]contactEntry, len(g.roster.Members)),
			active: g.row.State == store.GroupActive}
		for i, rm := range g.roster.Members {
			id := rm.Keys.ID()
			e.members[i] = contactEntry{id: id, key: id.String(), name: rm.Name}
		}
		list = append(list, e)
	}
	m.core.dir.setGroups(list)
}
