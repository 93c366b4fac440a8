package app

import (
	"context"
	"encoding/hex"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// Replies, reactions, edits and deletes. Each operation is a message of
// its own (store kind > 0): a chat's outbox and acks, a group's signing,
// relaying and sync carry it like a text, so it reaches an offline device
// the same way. Whichever of an operation and its target arrives first,
// the store folds the operations into the target once both are there
// (store.ApplyOps), so the result is the same on every device and an
// operation applied twice changes nothing.

// Errors of message operations.
var (
	ErrUnknownMessage = errors.New("no such message here")
	ErrNotYours       = errors.New("only its author can change a message")
	ErrEditTooLate    = errors.New("a message can be edited for 24 hours after it was sent")
	ErrMessageGone    = errors.New("that message was deleted")
	ErrBadEmoji       = errors.New("a reaction is one emoji")
	ErrNotDelivered   = errors.New("that message is still being sent; delete it for everyone, or wait until it is delivered")
)

// Reply sends text in conv as an answer to the message replyTo.
func (c *Core) Reply(ctx context.Context, conv ConversationID, text string, replyTo crypto.MessageID) (crypto.MessageID, error) {
	if err := checkText(text); err != nil {
		return crypto.MessageID{}, err
	}
	if _, err := c.target(ctx, conv, replyTo); err != nil {
		return crypto.MessageID{}, err
	}
	return c.sendOp(ctx, conv, store.KindText, replyTo, text, wire.Reply{ReplyTo: replyTo, Body: text})
}

// React sets our reaction to a message: another emoji replaces ours, the
// same one (or "") takes it back.
func (c *Core) React(ctx context.Context, conv ConversationID, id crypto.MessageID, emoji string) error {
	if len(emoji) > wire.MaxEmoji || !utf8.ValidString(emoji) || uniseg.GraphemeClusterCount(emoji) > 1 {
		return ErrBadEmoji
	}
	msg, err := c.target(ctx, conv, id)
	if err != nil {
		return err
	}
	if msg.Deleted {
		return ErrMessageGone
	}
	rs, err := c.account.store.Reactions(ctx, conv, []crypto.MessageID{id})
	if err != nil {
		return err
	}
	for _, r := range c.reactions(conv, rs[id]) {
		if r.From == c.self.ID && r.Emoji == emoji {
			emoji = ""
		}
	}
	_, err = c.sendOp(ctx, conv, store.KindReaction, id, emoji, wire.Reaction{Target: id, Emoji: emoji})
	return err
}

// Edit replaces the text of one of our own messages, within 24 hours of
// sending it.
func (c *Core) Edit(ctx context.Context, conv ConversationID, id crypto.MessageID, text string) error {
	if err := checkText(text); err != nil {
		return err
	}
	msg, err := c.target(ctx, conv, id)
	switch {
	case err != nil:
		return err
	case !msg.Outgoing:
		return ErrNotYours
	case msg.Deleted:
		return ErrMessageGone
	case c.now().Sub(msg.SentAt) > store.EditWindow:
		return ErrEditTooLate
	}
	_, err = c.sendOp(ctx, conv, store.KindEdit, id, text, wire.Edit{Target: id, Body: text})
	return err
}

// Delete takes a message back: for everyone (our own; in a group any
// message when we are an admin) or on this device only.
func (c *Core) Delete(ctx context.Context, conv ConversationID, id crypto.MessageID, everyone bool) error {
	msg, err := c.target(ctx, conv, id)
	if err != nil {
		return err
	}
	if !everyone {
		// A chat's outbox sends the stored text: removing it here would
		// send the contact an empty message.
		if !conv.IsGroup() && msg.Outgoing && (msg.State == StateQueued || msg.State == StateSent) {
			return ErrNotDelivered
		}
		if err := c.account.store.DeleteForMe(ctx, conv, id); err != nil {
			return err
		}
		c.emit(MessageDeleted{Conversation: conv, ID: id})
		return c.account.store.CheckpointWAL(ctx)
	}
	if msg.Deleted {
		return nil
	}
	if !msg.Outgoing && !(conv.IsGroup() && c.managesGroup(ctx, conv.Group())) {
		return ErrNotYours
	}
	_, err = c.sendOp(ctx, conv, store.KindDelete, id, "", wire.Delete{Target: id})
	return err // folding our own delete checkpointed the WAL
}

// Message returns one message of conv by ID, with its reactions and quote.
func (c *Core) Message(ctx context.Context, conv ConversationID, id crypto.MessageID) (Message, error) {
	msg, err := c.target(ctx, conv, id)
	if err != nil {
		return Message{}, err
	}
	out := []Message{msg}
	if err := c.decorate(ctx, conv, out); err != nil {
		return Message{}, err
	}
	return out[0], nil
}

// target finds a message of conv as History shows it.
func (c *Core) target(ctx context.Context, conv ConversationID, id crypto.MessageID) (Message, error) {
	if err := c.waitNames(ctx); err != nil {
		return Message{}, err
	}
	name, err := c.authorNames(conv)
	if err != nil {
		return Message{}, err
	}
	found, err := c.account.store.MessagesByID(ctx, conv, []crypto.MessageID{id})
	if err != nil {
		return Message{}, err
	}
	r, ok := found[id]
	if !ok || r.Author == store.SystemAuthor && conv.IsGroup() {
		return Message{}, ErrUnknownMessage
	}
	return messageFromStore(r, c.self.ID, name(r)), nil
}

// managesGroup reports whether we are an admin or the owner of a group.
func (c *Core) managesGroup(ctx context.Context, id crypto.GroupID) bool {
	manages := false
	err := c.withGroup(ctx, id, func(ctx context.Context, m *groupManager, g *group) error {
		rm, ok := g.member(m.self)
		manages = ok && rm.Role.Manages()
		return nil
	})
	return err == nil && manages
}

// sendOp hands an operation (or a reply) to the conversation's owner.
func (c *Core) sendOp(ctx context.Context, conv ConversationID, kind store.MessageKind, target crypto.MessageID, payload string, rec wire.Message) (crypto.MessageID, error) {
	if !conv.IsGroup() {
		cmd := &sendCmd{to: conv.Contact(), text: payload, kind: kind, target: target, done: make(chan error, 1)}
		if err := post(ctx, c, c.contacts.cmds, op[contactManager](cmd)); err != nil {
			return crypto.MessageID{}, err
		}
		if err := await(ctx, c, cmd.done); err != nil {
			return crypto.MessageID{}, err
		}
		return cmd.id, nil
	}
	var out Message
	err := c.withGroup(ctx, conv.Group(), func(ctx context.Context, m *groupManager, g *group) error {
		var err error
		out, err = m.sendGroupContent(ctx, g, store.GroupMessage{Kind: kind, Target: target, Text: payload}, rec)
		return err
	})
	return out.ID, err
}

// decorate fills in the reactions and quotes of a page of messages.
func (c *Core) decorate(ctx context.Context, conv ConversationID, msgs []Message) error {
	ids := make([]crypto.MessageID, 0, len(msgs))
	var quoted []crypto.MessageID
	for _, m := range msgs {
		ids = append(ids, m.ID)
		if m.ReplyTo != (crypto.MessageID{}) {
			quoted = append(quoted, m.ReplyTo)
		}
	}
	rs, err := c.account.store.Reactions(ctx, conv, ids)
	if err != nil {
		return err
	}
	var quotes map[crypto.MessageID]store.Message
	if len(quoted) > 0 {
		if quotes, err = c.account.store.MessagesByID(ctx, conv, quoted); err != nil {
			return err
		}
	}
	name, err := c.authorNames(conv)
	if err != nil {
		return err
	}
	for i := range msgs {
		m := &msgs[i]
		if !m.Deleted {
			m.Reactions = c.reactions(conv, rs[m.ID])
		}
		if q, ok := quotes[m.ReplyTo]; ok {
			qm := messageFromStore(q, c.self.ID, name(q))
			m.Quote = &Quote{Author: qm.Author, AuthorName: qm.AuthorName, Text: clip(qm.Text, QuoteLen), Deleted: qm.Deleted}
		}
	}
	return nil
}

func (c *Core) reactions(conv ConversationID, rs []store.Reaction) []Reaction {
	out := make([]Reaction, 0, len(rs))
	for _, r := range rs {
		from := r.From
		if r.Own {
			from = c.self.ID
		}
		out = append(out, Reaction{From: from, Emoji: r.Emoji, At: r.At})
	}
	return out
}

// clip keeps the first n runes of s.
func clip(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}

func (c *Core) now() time.Time { return time.Now() }

// chatRecord is the wire record that carries a stored chat row.
func chatRecord(p store.Message) wire.Message {
	at := p.SentAt.UnixMilli()
	switch p.Kind {
	case store.KindReaction:
		return wire.Reaction{ID: p.ID, SentAt: at, Target: p.Target, Emoji: p.Text}
	case store.KindEdit:
		return wire.Edit{ID: p.ID, SentAt: at, Target: p.Target, Body: p.Text}
	case store.KindDelete:
		return wire.Delete{ID: p.ID, SentAt: at, Target: p.Target}
	}
	if p.Target != (crypto.MessageID{}) {
		return wire.Reply{ID: p.ID, SentAt: at, ReplyTo: p.Target, Body: p.Text}
	}
	return wire.Text{ID: p.ID, SentAt: at, Body: p.Text}
}

// chatRow is the stored row for a received chat record; ok is false for
// records that are not messages.
func chatRow(from crypto.ID, rec wire.Message) (store.Message, bool) {
	var m store.Message
	switch r := rec.(type) {
	case wire.Text:
		m = store.Message{ID: r.ID, SentAt: time.UnixMilli(r.SentAt), Text: r.Body}
	case wire.Reply:
		m = store.Message{ID: r.ID, SentAt: time.UnixMilli(r.SentAt), Text: r.Body, Target: r.ReplyTo}
	case wire.Reaction:
		m = store.Message{ID: r.ID, SentAt: time.UnixMilli(r.SentAt), Text: r.Emoji, Target: r.Target, Kind: store.KindReaction}
	case wire.Edit:
		m = store.Message{ID: r.ID, SentAt: time.UnixMilli(r.SentAt), Text: r.Body, Target: r.Target, Kind: store.KindEdit}
	case wire.Delete:
		m = store.Message{ID: r.ID, SentAt: time.UnixMilli(r.SentAt), Target: r.Target, Kind: store.KindDelete}
	default:
		return m, false
	}
	m.Contact, m.State = from, store.StateUnread
	if m.Kind != store.KindText {
		m.State = store.StateSeen // nothing to read: its effect shows on the target
	}
	return m, true
}

// unknownContent stands in for a group content record of a type this
// version does not know.
const unknownContent = "(this message needs a newer version of Jarvis)"

// setGroupOp fills a decrypted group row from its content record.
func setGroupOp(row *store.GroupMessage, rec wire.Message) {
	switch r := rec.(type) {
	case wire.Reply:
		row.Text, row.Target = r.Body, r.ReplyTo
		return
	case wire.Reaction:
		row.Kind, row.Target, row.Text = store.KindReaction, r.Target, r.Emoji
	case wire.Edit:
		row.Kind, row.Target, row.Text = store.KindEdit, r.Target, r.Body
	case wire.Delete:
		row.Kind, row.Target = store.KindDelete, r.Target
	case wire.FileOffer:
		row.Text = fileOfferText(SanitizeFileName(r.Name), int64(r.Size))
		return
	default:
		row.Text = unknownContent // a content record this version does not know
		return
	}
	row.State = store.GroupMsgSeen
}

// opTargets lists the messages whose operations must be folded after
// rows were stored: the new messages themselves (their operations may have
// come first) and the targets of new edits and deletes.
func opTargets(kinds []store.MessageKind, ids, targets []crypto.MessageID) []crypto.MessageID {
	var out []crypto.MessageID
	for i, k := range kinds {
		switch k {
		case store.KindText:
			out = append(out, ids[i])
		case store.KindEdit, store.KindDelete:
			out = append(out, targets[i])
		}
	}
	return out
}

// emitChanges reports what folding operations did. After a delete the
// WAL is checkpointed, so no old frame keeps the text's page.
func (c *Core) emitChanges(ctx context.Context, conv ConversationID, changes []store.Change) {
	checkpoint := false
	defer func() {
		if checkpoint {
			if err := c.account.store.CheckpointWAL(ctx); err != nil {
				c.emit(Failure{Op: "clear deleted text", Err: err})
			}
		}
	}()
	for _, ch := range changes {
		if ch.Deleted {
			checkpoint = true
			c.emit(MessageDeleted{Conversation: conv, ID: ch.Target})
			continue
		}
		c.emit(MessageEdited{Conversation: conv, ID: ch.Target, Text: ch.Text, EditedAt: ch.EditedAt})
	}
}

// applyChatOps folds operations after chat rows were stored, and reports
// new reactions. A chat's records arrive in order, so a new text is almost
// never the target of an operation stored before it; the manager keeps
// the few targets operations wait for, so that a run of texts costs no
// query.
func (m *contactManager) applyChatOps(ctx context.Context, contact crypto.ID, rows []store.Message) {
	conv := ContactChat(contact)
	held, err := m.heldTargets(ctx, contact)
	if err != nil {
		m.core.emit(Failure{Op: "apply message changes", Err: err})
		return
	}
	var todo []crypto.MessageID
	ops := false
	for _, r := range rows {
		switch r.Kind {
		case store.KindText:
			if held[r.ID] {
				todo = append(todo, r.ID)
			}
		case store.KindReaction:
			from := contact
			if r.Outgoing {
				from = m.core.self.ID
			}
			m.core.emit(ReactionSet{Conversation: conv, ID: r.Target, From: from, Emoji: r.Text})
		default:
			todo, ops = append(todo, r.Target), true
		}
	}
	if len(todo) == 0 {
		return
	}
	changes, err := m.store.ApplyOps(ctx, store.ContactChat(contact), todo, nil)
	if err != nil {
		m.core.emit(Failure{Op: "apply message changes", Err: err})
		return
	}
	m.core.emitChanges(ctx, conv, changes)
	if ops || len(changes) > 0 {
		delete(m.held, contact) // read again when next needed
	}
}

// heldTargets returns the messages of a chat that stored edits or deletes
// wait for.
func (m *contactManager) heldTargets(ctx context.Context, contact crypto.ID) (map[crypto.MessageID]bool, error) {
	if held, ok := m.held[contact]; ok {
		return held, nil
	}
	ids, err := m.store.HeldTargets(ctx, store.ContactChat(contact))
	if err != nil {
		return nil, err
	}
	held := make(map[crypto.MessageID]bool, len(ids))
	for _, id := range ids {
		held[id] = true
	}
	m.held[contact] = held
	return held, nil
}

// applyGroupOps is applyChatOps for a group: a delete by a member who
// manages the group (admin or owner) counts for any message.
func (m *groupManager) applyGroupOps(ctx context.Context, g *group, rows []store.GroupMessage) {
	kinds, ids, targets := make([]store.MessageKind, len(rows)), make([]crypto.MessageID, len(rows)), make([]crypto.MessageID, len(rows))
	conv := GroupChat(g.row.ID)
	for i, r := range rows {
		kinds[i], ids[i], targets[i] = r.Kind, r.ID(), r.Target
		if r.Kind == store.KindReaction {
			m.core.emit(ReactionSet{Conversation: conv, ID: r.Target, From: r.Author, Emoji: r.Text})
		}
	}
	todo := opTargets(kinds, ids, targets)
	if len(todo) == 0 {
		return
	}
	manages := func(id crypto.ID) bool {
		rm, ok := g.member(id)
		return ok && rm.Role.Manages()
	}
	changes, err := m.store.ApplyOps(ctx, store.GroupChat(g.row.ID), todo, manages)
	if err != nil {
		m.core.emit(Failure{Op: "apply message changes", Err: err})
		return
	}
	m.core.emitChanges(ctx, conv, changes)
}

// withQuote fills in the quote of a reply about to be reported.
func (c *Core) withQuote(ctx context.Context, msg Message) Message {
	if msg.ReplyTo == (crypto.MessageID{}) {
		return msg
	}
	found, err := c.account.store.MessagesByID(ctx, msg.Conversation, []crypto.MessageID{msg.ReplyTo})
	if q, ok := found[msg.ReplyTo]; err == nil && ok {
		name := ""
		if names, err := c.authorNames(msg.Conversation); err == nil {
			name = names(q)
		}
		qm := messageFromStore(q, c.self.ID, name)
		msg.Quote = &Quote{Author: qm.Author, AuthorName: qm.AuthorName, Text: clip(qm.Text, QuoteLen), Deleted: qm.Deleted}
	}
	return msg
}

// ParseMessageID reads a message ID as frontends show it (hex).
func ParseMessageID(s string) (crypto.MessageID, error) {
	var id crypto.MessageID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, ErrUnknownMessage
	}
	copy(id[:], b)
	return id, nil
}

// ConversationOf finds the conversation that holds a message.
func (c *Core) ConversationOf(ctx context.Context, id crypto.MessageID) (ConversationID, error) {
	conv, ok, err := c.account.store.FindMessage(ctx, id)
	if err != nil {
		return ConversationID{}, err
	}
	if !ok {
		return ConversationID{}, ErrUnknownMessage
	}
	return conv, nil
}
