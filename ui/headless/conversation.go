package headless

import (
	"context"
	"jarvis/crypto"

	"jarvis/app"
)

// Messages of chats and groups take one path: send, read, history and the
// received and status events below serve both. The JSON keeps the shapes
// README documents for each kind ("message"/"history" name the contact in
// "with" and "from", "group_message"/"group_history" the group and author).

type messageJSON struct {
	ID       string `json:"id"`
	With     string `json:"with"`
	Outgoing bool   `json:"outgoing"`
	Text     string `json:"text"`
	Time     int64  `json:"time"`
	SentAt   int64  `json:"sent_at"`
	State    string `json:"state"`
	Cursor   int64  `json:"cursor"`
	opsJSON
}

type messageLine struct {
	Event  string `json:"event"`
	ID     string `json:"id"`
	From   string `json:"from"`
	Text   string `json:"text"`
	Time   int64  `json:"time"`
	SentAt int64  `json:"sent_at"`
	Cursor int64  `json:"cursor"`
	opsJSON
}

type groupMessageJSON struct {
	ID       string `json:"id"`
	Group    string `json:"group"`
	From     string `json:"from"`
	FromName string `json:"from_name"`
	Outgoing bool   `json:"outgoing"`
	Text     string `json:"text"`
	Time     int64  `json:"time"`
	SentAt   int64  `json:"sent_at"`
	State    string `json:"state"`
	Cursor   int64  `json:"cursor"`
	// System marks a roster line kept in history (who joined, left, was
	// renamed); it has no author.
	System bool `json:"system,omitempty"`
	opsJSON
}

type groupMessageLine struct {
	Event string `json:"event"`
	groupMessageJSON
}

// statusLine reports our own message's state; "to" is the contact or the
// group.
type statusLine struct {
	Event string `json:"event"`
	ID    string `json:"id"`
	To    string `json:"to"`
	State string `json:"state"`
}

type sentLine struct {
	Event string `json:"event"`
	Ref   string `json:"ref,omitempty"`
	ID    string `json:"id"`
	To    string `json:"to"`
}

type groupSentLine struct {
	Event string `json:"event"`
	Ref   string `json:"ref,omitempty"`
	ID    string `json:"id"`
	Group string `json:"group"`
}

type historyLine struct {
	Event    string        `json:"event"`
	Ref      string        `json:"ref,omitempty"`
	With     string        `json:"with"`
	Messages []messageJSON `json:"messages"`
}

type groupHistoryLine struct {
	Event    string             `json:"event"`
	Ref      string             `json:"ref,omitempty"`
	Group    string             `json:"group"`
	Messages []groupMessageJSON `json:"messages"`
}

func messageToJSON(m app.Message) messageJSON {
	return messageJSON{
		ID: m.ID.String(), With: m.Conversation.String(), Outgoing: m.Outgoing, Text: m.Text,
		Time: millis(m.At), SentAt: millis(m.SentAt), State: m.State.String(), Cursor: m.Cursor, opsJSON: opsToJSON(m),
	}
}

func groupMessageToJSON(m app.Message) groupMessageJSON {
	out := groupMessageJSON{
		ID: m.ID.String(), Group: m.Conversation.String(), From: m.Author.String(), FromName: m.AuthorName,
		Outgoing: m.Outgoing, Text: m.Text, Time: millis(m.At), SentAt: millis(m.SentAt),
		State: m.State.String(), Cursor: m.Cursor, System: m.System, opsJSON: opsToJSON(m),
	}
	if m.System {
		out.From = ""
	}
	return out
}

// receivedLine is the event line for an incoming message.
func receivedLine(m app.Message) any {
	if m.Conversation.IsGroup() {
		return groupMessageLine{Event: "group_message", groupMessageJSON: groupMessageToJSON(m)}
	}
	return messageLine{Event: "message", ID: m.ID.String(), From: m.Conversation.String(), Text: m.Text,
		Time: millis(m.At), SentAt: millis(m.SentAt), Cursor: m.Cursor, opsJSON: opsToJSON(m)}
}

// sentReply is the answer to a send once the message is stored.
func sentReply(conv app.ConversationID, ref string, id crypto.MessageID) any {
	if conv.IsGroup() {
		return groupSentLine{Event: "group_sent", Ref: ref, ID: id.String(), Group: conv.String()}
	}
	return sentLine{Event: "sent", Ref: ref, ID: id.String(), To: conv.String()}
}

// A convHandler runs a command on a conversation the line named: one
// handler serves a chat and a group alike.
type convHandler func(h *headless, ctx context.Context, conv app.ConversationID, r request) error

// inChat runs fn on the chat with the contact named in field.
func inChat(field string, fn convHandler) handler {
	return func(h *headless, ctx context.Context, r request) error {
		id, err := h.core.ResolveContact(ctx, r.field(field))
		if err != nil {
			return err
		}
		return fn(h, ctx, app.ContactChat(id), r)
	}
}

// inGroup runs fn on the group named in "id".
func inGroup(fn convHandler) handler {
	return func(h *headless, ctx context.Context, r request) error {
		g, err := h.core.ResolveGroup(ctx, r.ID)
		if err != nil {
			return err
		}
		return fn(h, ctx, app.GroupChat(g), r)
	}
}

// send queues a message and answers once it is stored, in command order,
// without holding up the commands after it.
func (h *headless) send(ctx context.Context, conv app.ConversationID, r request) error {
	if r.ReplyTo != "" {
		return h.reply(ctx, conv, r)
	}
	wait, err := h.core.SendAsync(ctx, conv, r.Text)
	if err != nil {
		return err
	}
	select {
	case h.replies <- func() {
		id, err := wait()
		if err != nil {
			h.fail(r.Ref, err)
			return
		}
		h.out.write(sentReply(conv, r.Ref, id))
	}:
	case <-ctx.Done():
	}
	return nil
}

func (h *headless) markRead(ctx context.Context, conv app.ConversationID, _ request) error {
	return h.core.MarkRead(ctx, conv)
}

func (h *headless) history(ctx context.Context, conv app.ConversationID, r request) error {
	msgs, err := h.core.History(ctx, conv, r.Before, r.Limit)
	if err != nil {
		return err
	}
	h.out.write(historyReply(conv, r.Ref, msgs))
	return nil
}

// historyReply is the answer to history or group_history.
func historyReply(conv app.ConversationID, ref string, msgs []app.Message) any {
	if conv.IsGroup() {
		out := make([]groupMessageJSON, len(msgs))
		for i, m := range msgs {
			out[i] = groupMessageToJSON(m)
		}
		return groupHistoryLine{Event: "group_history", Ref: ref, Group: conv.String(), Messages: out}
	}
	out := make([]messageJSON, len(msgs))
	for i, m := range msgs {
		out[i] = messageToJSON(m)
	}
	return historyLine{Event: "history", Ref: ref, With: conv.String(), Messages: out}
}
