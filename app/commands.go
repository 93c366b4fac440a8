package app

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// Errors commands return; each says what to do next.
var (
	ErrUnknownContact = errors.New("no such contact; check the name or ID with /contacts")
	ErrAmbiguousName  = errors.New("more than one contact has that name; use the ID")
	ErrNotAccepted    = errors.New("that person has not accepted you as a contact yet")
	ErrNoRequest      = errors.New("there is no pending request from that person")
	ErrOwnCode        = errors.New("that is your own link code; share it, don't add it")
	ErrEmptyMessage   = errors.New("the message is empty")
	ErrMessageTooLong = errors.New("the message is too long; split it into parts")
)

// command is one request to the contact manager. apply runs on the manager
// goroutine, which alone owns contact state; it reports on the command's
// own done channel.
type command interface {
	apply(ctx context.Context, m *contactManager)
}

// do hands cmd to the manager and waits for its answer on done.
func (c *Core) do(ctx context.Context, cmd command, done <-chan error) error {
	select {
	case c.contacts.cmds <- cmd:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stopped:
		return ErrClosed
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stopped:
		return ErrClosed
	}
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
	cmd := &addCmd{code: lc, done: make(chan error, 1)}
	err = c.do(ctx, cmd, cmd.done)
	return cmd.result, err
}

// Accept accepts a pending contact request.
func (c *Core) Accept(ctx context.Context, id crypto.ID) error {
	cmd := &answerCmd{id: id, accept: true, done: make(chan error, 1)}
	return c.do(ctx, cmd, cmd.done)
}

// Reject declines a pending contact request and forgets the stranger.
func (c *Core) Reject(ctx context.Context, id crypto.ID) error {
	cmd := &answerCmd{id: id, accept: false, done: make(chan error, 1)}
	return c.do(ctx, cmd, cmd.done)
}

// Contacts lists contacts and requests, latest activity first.
func (c *Core) Contacts(ctx context.Context) ([]Contact, error) {
	return c.listContacts(ctx, &listCmd{counts: true})
}

// Contact returns one contact.
func (c *Core) Contact(ctx context.Context, id crypto.ID) (Contact, error) {
	list, err := c.listContacts(ctx, &listCmd{only: &id, counts: true})
	if err != nil {
		return Contact{}, err
	}
	if len(list) == 0 {
		return Contact{}, ErrUnknownContact
	}
	return list[0], nil
}

func (c *Core) listContacts(ctx context.Context, cmd *listCmd) ([]Contact, error) {
	cmd.done = make(chan error, 1)
	err := c.do(ctx, cmd, cmd.done)
	return cmd.result, err
}

// Resolve finds a contact by full ID, unique ID prefix, or unique name
// (case-insensitive).
func (c *Core) Resolve(ctx context.Context, who string) (crypto.ID, error) {
	who = strings.TrimSpace(who)
	list, err := c.listContacts(ctx, &listCmd{})
	if err != nil {
		return crypto.ID{}, err
	}
	if id, err := crypto.ParseID(who); err == nil {
		for _, ct := range list {
			if ct.ID == id {
				return id, nil
			}
		}
		return crypto.ID{}, ErrUnknownContact
	}
	var found []crypto.ID
	for _, ct := range list {
		if strings.EqualFold(ct.Name, who) {
			found = append(found, ct.ID)
		}
	}
	if len(found) == 0 && len(who) >= 4 {
		for _, ct := range list {
			if strings.HasPrefix(ct.ID.String(), strings.ToLower(who)) {
				found = append(found, ct.ID)
			}
		}
	}
	switch len(found) {
	case 0:
		return crypto.ID{}, ErrUnknownContact
	case 1:
		return found[0], nil
	}
	return crypto.ID{}, ErrAmbiguousName
}

// Send queues text for a contact and returns its message ID once it is
// stored; the MessageStatus events tell how it fares.
func (c *Core) Send(ctx context.Context, to crypto.ID, text string) (MessageID, error) {
	wait, err := c.SendAsync(ctx, to, text)
	if err != nil {
		return MessageID{}, err
	}
	return wait()
}

// SendAsync hands text to the contact manager and returns at once with a
// function that waits for the message to be stored. Calls made in order
// are sent in order, and a burst of them shares one transaction.
func (c *Core) SendAsync(ctx context.Context, to crypto.ID, text string) (func() (MessageID, error), error) {
	if strings.TrimSpace(text) == "" {
		return nil, ErrEmptyMessage
	}
	if len(text) > wire.MaxBody || !utf8.ValidString(text) {
		return nil, ErrMessageTooLong
	}
	cmd := &sendCmd{to: to, text: text, done: make(chan error, 1)}
	select {
	case c.contacts.cmds <- cmd:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.stopped:
		return nil, ErrClosed
	}
	return func() (MessageID, error) {
		select {
		case err := <-cmd.done:
			return cmd.id, err
		case <-ctx.Done():
			return MessageID{}, ctx.Err()
		case <-c.stopped:
			return MessageID{}, ErrClosed
		}
	}, nil
}

// MarkRead marks a conversation read and sends read receipts.
func (c *Core) MarkRead(ctx context.Context, id crypto.ID) error {
	cmd := &markReadCmd{id: id, done: make(chan error, 1)}
	return c.do(ctx, cmd, cmd.done)
}

// SetTyping tells an online contact that we are (or stopped) typing.
func (c *Core) SetTyping(ctx context.Context, id crypto.ID, active bool) error {
	cmd := &typingCmd{id: id, active: active, done: make(chan error, 1)}
	return c.do(ctx, cmd, cmd.done)
}

// Rename changes the name we show for a contact (on this device only).
func (c *Core) Rename(ctx context.Context, id crypto.ID, name string) error {
	if err := crypto.ValidateName(name); err != nil {
		return err
	}
	cmd := &editCmd{id: id, edit: func(sc *store.Contact) { sc.Name = name }, done: make(chan error, 1)}
	return c.do(ctx, cmd, cmd.done)
}

// SetVerified records that the safety number was (or was not) compared.
func (c *Core) SetVerified(ctx context.Context, id crypto.ID, verified bool) error {
	cmd := &editCmd{id: id, edit: func(sc *store.Contact) { sc.Verified = verified }, done: make(chan error, 1)}
	return c.do(ctx, cmd, cmd.done)
}

// Remove deletes a contact, its history and its queued messages, and
// refuses further sessions from it.
func (c *Core) Remove(ctx context.Context, id crypto.ID) error {
	cmd := &removeCmd{id: id, done: make(chan error, 1)}
	return c.do(ctx, cmd, cmd.done)
}

// History returns up to limit messages older than before (0 = newest), in
// chronological order. It reads the store directly: history is immutable
// enough that it needs no trip through the manager.
func (c *Core) History(ctx context.Context, id crypto.ID, before int64, limit int) ([]Message, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	ms, err := c.account.store.History(ctx, id, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(ms))
	for i, m := range ms {
		out[i] = messageFromStore(m)
	}
	return out, nil
}
