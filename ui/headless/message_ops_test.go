package headless

import (
	"context"
	"testing"

	"jarvis/app"
)

// messageOpCommands runs reply_to, react, edit and delete between ann
// (headless) and bob (a core), and checks the events and history fields.
func messageOpCommands(t *testing.T, ann *session, bob *peer) {
	ctx := context.Background()
	annID := ann.self.ID
	sent := ann.do(map[string]any{"cmd": "send", "to": bob.core.Self().ID.String(), "text": "lunch?"}, "sent")
	id, err := app.ParseMessageID(sent["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	bob.await(t, "lunch?", func(ev app.Event) bool { m, ok := ev.(app.MessageReceived); return ok && m.Message.ID == id })
	reply, err := bob.core.Reply(ctx, app.ContactChat(annID), "sure", id)
	if err != nil {
		t.Fatal(err)
	}
	got := ann.wait("message", func(l map[string]any) bool { return l["id"] == reply.String() })
	if got["reply_to"] != id.String() {
		t.Errorf("reply line %v, want reply_to %s", got, id)
	}
	if err := bob.core.React(ctx, app.ContactChat(annID), id, "👍"); err != nil {
		t.Fatal(err)
	}
	ann.wait("reaction", func(l map[string]any) bool { return l["id"] == id.String() && l["emoji"] == "👍" })

	ann.do(map[string]any{"cmd": "react", "id": reply.String(), "emoji": "🎉"}, "")
	bob.await(t, "ann's reaction", func(ev app.Event) bool { r, ok := ev.(app.ReactionSet); return ok && r.Emoji == "🎉" })
	ann.do(map[string]any{"cmd": "edit", "id": id.String(), "text": "lunch at one?"}, "")
	bob.await(t, "the edit", func(ev app.Event) bool { e, ok := ev.(app.MessageEdited); return ok && e.Text == "lunch at one?" })
	ann.wait("message_edited", func(l map[string]any) bool { return l["id"] == id.String() })

	h := ann.do(map[string]any{"cmd": "history", "with": bob.core.Self().ID.String()}, "history")
	var edited, replied map[string]any
	for _, m := range h["messages"].([]any) {
		switch line := m.(map[string]any); line["id"] {
		case id.String():
			edited = line
		case reply.String():
			replied = line
		}
	}
	if edited["edited"] != true || edited["text"] != "lunch at one?" || len(edited["reactions"].([]any)) != 1 {
		t.Errorf("edited message in history: %v", edited)
	}
	if replied["reply_to"] != id.String() || len(replied["reactions"].([]any)) != 1 {
		t.Errorf("reply in history: %v", replied)
	}

	ann.do(map[string]any{"cmd": "delete", "id": reply.String()}, "")
	ann.wait("message_deleted", func(l map[string]any) bool { return l["id"] == reply.String() })
	ann.do(map[string]any{"cmd": "delete", "id": id.String(), "everyone": true}, "")
	bob.await(t, "the delete", func(ev app.Event) bool { d, ok := ev.(app.MessageDeleted); return ok && d.ID == id })
	ann.refused(map[string]any{"cmd": "edit", "id": "abc", "text": "x"}, "no such message")

	// The same commands take a group message's ID.
	g := ann.do(map[string]any{"cmd": "group_create", "name": "ops"}, "group_created")
	gid := g["group"].(map[string]any)["id"]
	gs := ann.do(map[string]any{"cmd": "group_send", "id": gid, "text": "agenda"}, "group_sent")
	ann.do(map[string]any{"cmd": "group_send", "id": gid, "text": "item one", "reply_to": gs["id"]}, "group_sent")
	ann.do(map[string]any{"cmd": "react", "id": gs["id"], "emoji": "👍"}, "")
	ann.do(map[string]any{"cmd": "edit", "id": gs["id"], "text": "the agenda"}, "")
	if e := ann.wait("message_edited", func(l map[string]any) bool { return l["id"] == gs["id"] }); e["in"] != gid {
		t.Errorf("group edit line %v, want in %v", e, gid)
	}
	gh := ann.do(map[string]any{"cmd": "group_history", "id": gid}, "group_history")
	var agenda, item map[string]any
	for _, m := range gh["messages"].([]any) {
		switch line := m.(map[string]any); line["id"] {
		case gs["id"]:
			agenda = line
		default:
			if line["system"] != true {
				item = line
			}
		}
	}
	if rs, _ := agenda["reactions"].([]any); agenda["text"] != "the agenda" || agenda["edited"] != true || len(rs) != 1 {
		t.Errorf("edited group message in history: %v", agenda)
	}
	if item["text"] != "item one" || item["reply_to"] != gs["id"] {
		t.Errorf("group reply in history: %v", item)
	}
	ann.do(map[string]any{"cmd": "group_delete", "id": gid}, "")
}
