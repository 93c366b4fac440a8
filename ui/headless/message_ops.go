package headless

import (
	"context"

	"jarvis/app"
)

// Replies, reactions, edits and deletes (app/message_ops.go). A message ID
// names its conversation, so react, edit and delete take the ID alone.

type reactionJSON struct {
	From  string `json:"from"`
	Emoji string `json:"emoji"`
}

type editedLine struct {
	Event    string `json:"event"`
	ID       string `json:"id"`
	In       string `json:"in"`
	Text     string `json:"text"`
	EditedAt int64  `json:"edited_at"`
}

type deletedLine struct {
	Event string `json:"event"`
	ID    string `json:"id"`
	In    string `json:"in"`
}

type reactionLine struct {
	Event string `json:"event"`
	ID    string `json:"id"`
	In    string `json:"in"`
	From  string `json:"from"`
	Emoji string `json:"emoji"`
}

// opsJSON are the fields "message", "history" and their group forms gain.
type opsJSON struct {
	ReplyTo   string         `json:"reply_to,omitempty"`
	Edited    bool           `json:"edited,omitempty"`
	Deleted   bool           `json:"deleted,omitempty"`
	Reactions []reactionJSON `json:"reactions,omitempty"`
	// When the contact stored and read our chat message (unix ms).
	DeliveredAt int64 `json:"delivered_at,omitempty"`
	ReadAt      int64 `json:"read_at,omitempty"`
}

func opsToJSON(m app.Message) opsJSON {
	out := opsJSON{Edited: !m.EditedAt.IsZero(), Deleted: m.Deleted,
		DeliveredAt: millis(m.DeliveredAt), ReadAt: millis(m.ReadAt)}
	if m.ReplyTo != ([16]byte{}) {
		out.ReplyTo = m.ReplyTo.String()
	}
	for _, r := range m.Reactions {
		out.Reactions = append(out.Reactions, reactionJSON{From: r.From.String(), Emoji: r.Emoji})
	}
	return out
}

// opEventJSON is the line for a message operation event, nil for others.
func opEventJSON(ev app.Event) any {
	switch ev := ev.(type) {
	case app.MessageEdited:
		return editedLine{Event: "message_edited", ID: ev.ID.String(), In: ev.Conversation.String(), Text: ev.Text,
			EditedAt: millis(ev.EditedAt)}
	case app.MessageDeleted:
		return deletedLine{Event: "message_deleted", ID: ev.ID.String(), In: ev.Conversation.String()}
	case app.ReactionSet:
		return reactionLine{Event: "reaction", ID: ev.ID.String(), In: ev.Conversation.String(), From: ev.From.String(),
			Emoji: ev.Emoji}
	}
	return nil
}

// onMessage runs fn on the message named in "id" and its conversation.
func onMessage(fn func(h *headless, ctx context.Context, conv app.ConversationID, id [16]byte, r request) error) handler {
	return func(h *headless, ctx context.Context, r request) error {
		id, err := app.ParseMessageID(r.ID)
		if err != nil {
			return err
		}
		conv, err := h.core.ConversationOf(ctx, id)
		if err != nil {
			return err
		}
		return fn(h, ctx, conv, id, r)
	}
}

func (h *headless) react(ctx context.Context, conv app.ConversationID, id [16]byte, r request) error {
	return h.core.React(ctx, conv, id, r.Emoji)
}

func (h *headless) edit(ctx context.Context, conv app.ConversationID, id [16]byte, r request) error {
	return h.core.Edit(ctx, conv, id, r.Text)
}

func (h *headless) deleteMessage(ctx context.Context, conv app.ConversationID, id [16]byte, r request) error {
	return h.core.Delete(ctx, conv, id, r.Everyone)
}

// reply sends a text answering r.ReplyTo, answered like send.
func (h *headless) reply(ctx context.Context, conv app.ConversationID, r request) error {
	to, err := app.ParseMessageID(r.ReplyTo)
	if err != nil {
		return err
	}
	id, err := h.core.Reply(ctx, conv, r.Text, to)
	if err != nil {
		return err
	}
	h.out.write(sentReply(conv, r.Ref, id))
	return nil
}
