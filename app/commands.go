package app

import (
	"context"
	"errors"

	"jarvis/crypto"
	"jarvis/store"
)

// Errors commands return; each says what went wrong and what to do next,
// in words that fit any frontend.
var (
	ErrUnknownContact = errors.New("no such contact; check the name or ID")
	ErrNoRequest      = errors.New("there is no pending request from that person")
	ErrOwnCode        = errors.New("that is your own link code; share it, don't add it")
	ErrEmptyMessage   = errors.New("the message is empty")
	ErrMessageTooLong = errors.New("the message is too long; split it into parts")
)

// onContacts runs fn on the contact manager and waits for its answer.
func (c *Core) onContacts(ctx context.Context, fn func(ctx context.Context, m *contactManager) error) error {
	return call(ctx, c, c.contacts.cmds, fn)
}

// changeContacts is onContacts for a command that may add, rename or drop
// a contact: the names snapshot is republished before the answer, so the
// caller can resolve the result at once.
func (c *Core) changeContacts(ctx context.Context, fn func(ctx context.Context, m *contactManager) error) error {
	return c.onContacts(ctx, func(ctx context.Context, m *contactManager) error {
		err := fn(ctx, m)
		m.publish()
		return err
	})
}

// AddContact adds the person behind a link code and sends them a contact
// request (now, or as soon as they are reachable).
func (c *Core) AddContact(ctx context.Context, code string) (Contact, error) {
	lc, err := crypto.ParseLinkCode(code)
	if err != nil {
		return Contact{}, err
	}
	if lc.Keys.ID() == c.self.ID {
		return Contact{}, ErrOwnCode
	}
	var out Contact
	err = c.changeContacts(ctx, func(ctx context.Context, m *contactManager) (err error) {
		out, err = m.add(ctx, lc)
		return err
	})
	if err != nil {
		// out may still be written by the manager: the wait gave up.
		return Contact{}, err
	}
	return out, nil
}

// Accept accepts a pending contact request.
func (c *Core) Accept(ctx context.Context, id crypto.ID) error {
	return c.changeContacts(ctx, func(ctx context.Context, m *contactManager) error { return m.answer(ctx, id, true) })
}

// Reject declines a pending contact request and forgets the stranger.
func (c *Core) Reject(ctx context.Context, id crypto.ID) error {
	return c.changeContacts(ctx, func(ctx context.Context, m *contactManager) error { return m.answer(ctx, id, false) })
}

// Contacts lists contacts and requests, latest activity first.
func (c *Core) Contacts(ctx context.Context) ([]Contact, error) {
	var out []Contact
	err := c.onContacts(ctx, func(ctx context.Context, m *contactManager) error {
		out = m.list(ctx, nil)
		return nil
	})
	if err != nil {
		// out may still be written by the manager: the wait gave up.
		return nil, err
	}
	return out, nil
}

// Contact returns one contact.
func (c *Core) Contact(ctx context.Context, id crypto.ID) (Contact, error) {
	var out []Contact
	err := c.onContacts(ctx, func(ctx context.Context, m *contactManager) error {
		out = m.list(ctx, &id)
		return nil
	})
	if err != nil {
		return Contact{}, err
	}
	if len(out) == 0 {
		return Contact{}, ErrUnknownContact
	}
	return out[0], nil
}

// SetTyping tells an online contact that we are (or stopped) typing.
func (c *Core) SetTyping(ctx context.Context, id crypto.ID, active bool) error {
	return c.onContacts(ctx, func(ctx context.Context, m *contactManager) error {
		m.typing(ctx, id, active)
		return nil
	})
}

// Rename changes the name we show for a contact (on this device only: it
// is kept apart from the contact's own name, which groups carry).
func (c *Core) Rename(ctx context.Context, id crypto.ID, name string) error {
	if err := crypto.ValidateName(name); err != nil {
		return err
	}
	return c.editContact(ctx, id, func(sc *store.Contact) { sc.Label = name })
}

// SetVerified records that the safety number was (or was not) compared.
func (c *Core) SetVerified(ctx context.Context, id crypto.ID, verified bool) error {
	return c.editContact(ctx, id, func(sc *store.Contact) { sc.Verified = verified })
}

func (c *Core) editContact(ctx context.Context, id crypto.ID, edit func(*store.Contact)) error {
	return c.changeContacts(ctx, func(ctx context.Context, m *contactManager) error { return m.edit(ctx, id, edit) })
}

// Remove deletes a contact, its history and its queued messages, and
// refuses further sessions from it.
func (c *Core) Remove(ctx context.Context, id crypto.ID) error {
	return c.changeContacts(ctx, func(ctx context.Context, m *contactManager) error { return m.remove(ctx, id) })
}
