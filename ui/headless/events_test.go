package headless

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

func lineOf(t *testing.T, ev app.Event) map[string]any {
	t.Helper()
	b, err := json.Marshal(eventJSON(ev))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMessagesOfChatsAndGroupsKeepTheirDocumentedLines(t *testing.T) {
	var bob crypto.ID
	bob[0] = 7
	var team crypto.GroupID
	team[0] = 9
	at := time.UnixMilli(1_700_000_000_000)
	chat := app.Message{ID: crypto.MessageID{1}, Conversation: app.ContactChat(bob), Author: bob, AuthorName: "bob",
		Text: "hi", SentAt: at, At: at, State: app.StateUnread, Cursor: 3}
	group := chat
	group.Conversation = app.GroupChat(team)

	tests := []struct {
		name string
		ev   app.Event
		want map[string]any
	}{
		{"a chat message", app.MessageReceived{Message: chat}, map[string]any{
			"event": "message", "from": bob.String(), "text": "hi", "cursor": 3.0}},
		{"a group message", app.MessageReceived{Message: group}, map[string]any{
			"event": "group_message", "group": team.String(), "from": bob.String(), "from_name": "bob",
			"outgoing": false, "state": "unread"}},
		{"a roster line, with the id and cursor of its history entry",
			app.GroupSystem{Group: team, Text: "bob is now Bobby", ID: crypto.MessageID{5}, Cursor: 4}, map[string]any{
				"event": "group_system", "group": team.String(), "text": "bob is now Bobby", "cursor": 4.0}},
		{"a chat status", app.MessageStatus{Conversation: app.ContactChat(bob), ID: crypto.MessageID{2}, State: app.StateDelivered},
			map[string]any{"event": "status", "to": bob.String(), "state": "delivered"}},
		{"a group status", app.MessageStatus{Conversation: app.GroupChat(team), ID: crypto.MessageID{2}, State: app.StateSent},
			map[string]any{"event": "status", "to": team.String(), "state": "sent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lineOf(t, tt.ev)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v (line %v)", k, got[k], v, got)
				}
			}
			if id, _ := got["id"].(string); len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
				t.Errorf("id %q is not a message ID", id)
			}
		})
	}
}
