package app

import (
	"sync/atomic"

	"jarvis/crypto"
)

// directory holds the names frontends resolve against. Each manager
// publishes an immutable snapshot after every change it makes, so a lookup
// never waits behind a busy manager and never sees a half-made change.
type directory struct {
	contacts atomic.Pointer[[]contactEntry]
	groups   atomic.Pointer[[]groupEntry]
}

type contactEntry struct {
	id   crypto.ID
	name string
}

type groupEntry struct {
	id      crypto.GroupID
	name    string
	members []contactEntry // roster names
}

func (d *directory) contactList() []contactEntry {
	if p := d.contacts.Load(); p != nil {
		return *p
	}
	return nil
}

func (d *directory) groupList() []groupEntry {
	if p := d.groups.Load(); p != nil {
		return *p
	}
	return nil
}

func (d *directory) contact(id crypto.ID) (contactEntry, bool) {
	for _, e := range d.contactList() {
		if e.id == id {
			return e, true
		}
	}
	return contactEntry{}, false
}

func (d *directory) group(id crypto.GroupID) (groupEntry, bool) {
	for _, e := range d.groupList() {
		if e.id == id {
			return e, true
		}
	}
	return groupEntry{}, false
}

// publish replaces the contacts snapshot; it runs on the contact manager.
func (m *contactManager) publish() {
	list := make([]contactEntry, 0, len(m.contacts))
	for _, c := range m.contacts {
		list = append(list, contactEntry{id: c.ID, name: c.Name})
	}
	m.core.dir.contacts.Store(&list)
}

// publish replaces the groups snapshot; it runs on the group manager.
// Declined invites are left out: for the user they do not exist.
func (m *groupManager) publish() {
	list := make([]groupEntry, 0, len(m.groups))
	for _, g := range m.groups {
		if g.local.Declined {
			continue
		}
		e := groupEntry{id: g.row.ID, name: g.roster.Name, members: make([]contactEntry, len(g.roster.Members))}
		for i, rm := range g.roster.Members {
			e.members[i] = contactEntry{id: rm.Keys.ID(), name: rm.Name}
		}
		list = append(list, e)
	}
	m.core.dir.groups.Store(&list)
}
