package headless

import (
	"testing"

	"jarvis/app"
)

// TestAContactNamedLikeAnotherContactsIDPrefixDoesNotGetTheirMessages:
// mallory names herself with bob's short ID; a message sent to that
// prefix goes to bob, and mallory sees nothing of it.
func TestAContactNamedLikeAnotherContactsIDPrefixDoesNotGetTheirMessages(t *testing.T) {
	ann := startSession(t, "ann")
	bob := startPeer(t, "bob", true)
	bobID := bob.core.Self().ID
	mallory := startPeer(t, bobID.Short(), true)
	for _, p := range []*peer{bob, mallory} {
		id := p.core.Self().ID.String()
		ann.do(map[string]any{"cmd": "add", "code": p.core.Self().Code}, "contact_pending")
		ann.wait("contact_added", func(l map[string]any) bool { return contactField(l, "id") == id })
	}

	for _, to := range []string{bobID.Short(), bobID.String()[:6]} {
		sent := ann.do(map[string]any{"cmd": "send", "to": to, "text": "for bob via " + to}, "sent")
		if sent["to"] != bobID.String() {
			t.Fatalf("a message to %q went to %v, want bob (%s)", to, sent["to"], bobID)
		}
		bob.await(t, "the message sent to his prefix", func(ev app.Event) bool {
			m, ok := ev.(app.MessageReceived)
			return ok && m.Message.Text == "for bob via "+to
		})
	}
	// Sent to her full ID a message reaches her, and nothing sent to bob's
	// prefix reached her before it.
	ann.do(map[string]any{"cmd": "send", "to": mallory.core.Self().ID.String(), "text": "for mallory"}, "sent")
	mallory.await(t, "the message sent to her", func(ev app.Event) bool {
		m, ok := ev.(app.MessageReceived)
		if ok && m.Message.Text != "for mallory" {
			t.Errorf("mallory received %q, which was sent to bob's ID prefix", m.Message.Text)
		}
		return ok && m.Message.Text == "for mallory"
	})
}
