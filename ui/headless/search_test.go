package headless

import (
	"context"
	"testing"

	"jarvis/app"
)

// searchCommands runs search in the walk of every command, after the
// chat with bob holds ann's "hi".
func searchCommands(t *testing.T, ann *session, bob string) {
	l := ann.do(map[string]any{"cmd": "search", "text": "HI", "in": bob[:8], "limit": 5}, "search_results")
	if res, _ := l["results"].([]any); len(res) != 1 || res[0].(map[string]any)["conversation"] != bob {
		t.Errorf("search_results %v, want ann's hi to bob", l)
	}
}

func TestSearchFindsMessagesOfChatsAndGroups(t *testing.T) {
	ann := startSession(t, "ann")
	bob := startPeer(t, "bob", true)
	bobID, annID := bob.core.Self().ID, ann.self.ID
	ann.wait("search_index", func(l map[string]any) bool { return l["ready"] == true })
	ann.do(map[string]any{"cmd": "add", "code": bob.core.Self().Code}, "contact_pending")
	ann.wait("contact_added", func(l map[string]any) bool { return contactField(l, "id") == bobID.String() })
	ann.do(map[string]any{"cmd": "send", "to": "bob", "text": "Meet at the Café"}, "sent")
	if _, err := bob.core.Send(context.Background(), app.ContactChat(annID), "the café was closed"); err != nil {
		t.Fatal(err)
	}
	ann.wait("message", func(l map[string]any) bool { return l["text"] == "the café was closed" })
	g := ann.do(map[string]any{"cmd": "group_create", "name": "team"}, "group_created")
	ann.do(map[string]any{"cmd": "group_send", "id": "team", "text": "CAFÉ crème?"}, "group_sent")
	group := g["group"].(map[string]any)["id"]

	tests := []struct {
		req  map[string]any
		want []map[string]any
	}{
		{map[string]any{"text": "cafe"}, []map[string]any{
			{"text": "CAFÉ crème?", "conversation": group, "group": true, "from": annID.String(), "outgoing": true},
			{"text": "the café was closed", "conversation": bobID.String(), "group": false, "from": bobID.String(), "from_name": "bob"},
			{"text": "Meet at the Café", "conversation": bobID.String(), "from": annID.String(), "outgoing": true},
		}},
		{map[string]any{"text": "caf", "in": "team"}, []map[string]any{{"text": "CAFÉ crème?"}}},
		{map[string]any{"text": "cafe", "limit": 1}, []map[string]any{{"text": "CAFÉ crème?"}}},
		{map[string]any{"text": "cafe closed zebra"}, nil},
	}
	for _, tt := range tests {
		tt.req["cmd"] = "search"
		l := ann.do(tt.req, "search_results")
		res, _ := l["results"].([]any)
		if len(res) != len(tt.want) || l["ready"] != true {
			t.Errorf("%v: %v, want %d results, ready", tt.req, l, len(tt.want))
			continue
		}
		for i, w := range tt.want {
			got := res[i].(map[string]any)
			for k, v := range w {
				if got[k] != v {
					t.Errorf("%v: result %d: %s = %v, want %v", tt.req, i, k, got[k], v)
				}
			}
			if got["cursor"].(float64) <= 0 || got["time"].(float64) <= 0 || got["id"] == "" {
				t.Errorf("%v: result %d lacks its cursor, time or id: %v", tt.req, i, got)
			}
		}
	}
	ann.refused(map[string]any{"cmd": "search", "text": "cafe", "in": "nobody"}, "no such contact or group")
	ann.refused(map[string]any{"cmd": "search"}, "text")
}
