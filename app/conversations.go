package app

import (
	"context"
	"math"

	"jarvis/crypto"
	"jarvis/store"
)

// The commands below are the one path for messages of every conversation.
// A chat belongs to the contact manager and a group to the group manager,
// so each command hands its work to the conversation's owner; what the
// frontends see (IDs, states, events, paging) is the same for both.

// Send queues text for a conversation and returns its message ID once it
// is stored; MessageStatus events with that ID tell how it fares.
func (c *Core) Send(ctx context.Context, conv ConversationID, text string) (crypto.MessageID, error) {
	wait, err := c.SendAsync(ctx, conv, text)
	if err != nil {
		return crypto.MessageID{}, err
	}
	return wait()
}

// SendAsync hands text to the conversation's owner and returns at once with
// a function that waits for the message to be stored. Calls made in order
// are stored in order; a burst of chat messages shares one transaction.
func (c *Core) SendAsync(ctx context.Context, conv ConversationID, text string) (func() (crypto.MessageID, error), error) {
	if err := checkText(text); err != nil {
		return nil, err
	}
	if conv.IsGroup() {
		return c.sendGroup(ctx, conv.Group(), text)
	}
	cmd := &sendCmd{to: conv.Contact(), text: text, done: make(chan error, 1)}
	if err := post(ctx, c, c.contacts.cmds, op[contactManager](cmd)); err != nil {
		return nil, err
	}
	return func() (crypto.MessageID, error) {
		if err := await(ctx, c, cmd.done); err != nil {
			return crypto.MessageID{}, err
		}
		return cmd.id, nil
	}, nil
}

func (c *Core) sendGroup(ctx context.Context, id crypto.GroupID, text string) (func() (crypto.MessageID, error), error) {
	var out Message
	wait, err := start(ctx, c, c.groups.cmds, func(ctx context.Context, m *groupManager) error {
		g, err := m.known(id)
		if err != nil {
			return err
		}
		out, err = m.sendGroupText(ctx, g, text)
		return err
	})
	if err != nil {
		return nil, err
	}
	return func() (crypto.MessageID, error) {
		if err := wait(); err != nil {
			return crypto.MessageID{}, err
		}
		return out.ID, nil
	}, nil
}

// History returns up to limit messages older than before (0 = newest), in
// the order this device stored them. It reads the store and the names
// snapshot directly: history needs no trip through a manager.
func (c *Core) History(ctx context.Context, conv ConversationID, before int64, limit int) ([]Message, error) {
	return c.page(ctx, conv, limit, func(limit int) ([]store.Message, error) {
		return c.account.store.History(ctx, conv, before, limit)
	})
}

// HistoryAfter returns up to limit messages newer than after (a Cursor),
// oldest first: the page below a message, to show one that search found
// in the middle of its context.
func (c *Core) HistoryAfter(ctx context.Context, conv ConversationID, after int64, limit int) ([]Message, error) {
	return c.page(ctx, conv, limit, func(limit int) ([]store.Message, error) {
		return c.account.store.HistoryAfter(ctx, conv, after, limit)
	})
}

// page reads a page of conv's history with read and names its authors.
func (c *Core) page(ctx context.Context, conv ConversationID, limit int, read func(limit int) ([]store.Message, error)) ([]Message, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	if err := c.waitNames(ctx); err != nil {
		return nil, err
	}
	name, err := c.authorNames(conv)
	if err != nil {
		return nil, err
	}
	rows, err := read(limit)
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = messageFromStore(r, c.self.ID, name(r))
	}
	if err := c.decorate(ctx, conv, out); err != nil {
		return nil, err
	}
	return out, nil
}

// authorNames returns how History names the author of a stored message:
// the contact in a chat; in a group, a contact as the user knows them and
// anyone else by their roster name; a member who has left by the name the
// user knows them by, else the short ID.
func (c *Core) authorNames(conv ConversationID) (func(store.Message) string, error) {
	if !conv.IsGroup() {
		ct, ok := c.dir.contact(conv.Contact())
		if !ok {
			return nil, ErrUnknownContact
		}
		return func(store.Message) string { return ct.name }, nil
	}
	g, ok := c.dir.group(conv.Group())
	if !ok {
		return nil, ErrUnknownGroup
	}
	names := make(map[crypto.ID]string, len(g.members))
	for _, e := range g.members {
		names[e.id] = c.dir.memberName(e.id, e.name)
	}
	names = disambiguate(names) // two members of one name show their short IDs
	return func(m store.Message) string {
		if m.Author == store.SystemAuthor {
			return ""
		}
		if n, ok := names[m.Author]; ok {
			return n
		}
		if ct, ok := c.dir.contact(m.Author); ok {
			return ct.name
		}
		return m.Author.Short()
	}, nil
}

// MarkRead marks a conversation's incoming messages seen; in a chat it
// also sends read receipts. Both kinds commit with the same durability: a
// lost "seen" after a crash costs only an unread badge.
func (c *Core) MarkRead(ctx context.Context, conv ConversationID) error {
	return c.MarkReadUpTo(ctx, conv, math.MaxInt64)
}

// MarkReadUpTo is MarkRead for the messages up to and including the one
// at cursor upTo (its Message.Cursor): a frontend passes the newest it
// has shown, so a read receipt never claims more than was on screen.
func (c *Core) MarkReadUpTo(ctx context.Context, conv ConversationID, upTo int64) error {
	if conv.IsGroup() {
		return c.withGroup(ctx, conv.Group(), func(ctx context.Context, m *groupManager, g *group) error {
			return m.markRead(ctx, g, upTo)
		})
	}
	return c.onContacts(ctx, func(ctx context.Context, m *contactManager) error {
		return m.markRead(ctx, conv.Contact(), upTo)
	})
}
