package tui

import (
	"context"
	"testing"

	"jarvis/app"
)

// TestInvitingByIDPrefixNeverPicksAContactNamedLikeIt: mallory names
// herself with bob's short ID; /invite with that prefix brings bob into
// the group, and mallory gets no invite.
func TestInvitingByIDPrefixNeverPicksAContactNamedLikeIt(t *testing.T) {
	bob := newPeer(t, "Bob")
	bobID := bob.core.Self().ID
	mallory := newPeer(t, bobID.Short())
	s, _ := unlockedUI(t, "Alice")
	for _, p := range []*peer{bob, mallory} {
		s.enter("/add " + p.core.Self().Code)
		req := p.await(t, "a contact request", func(ev app.Event) bool { _, ok := ev.(app.ContactRequest); return ok })
		if err := p.core.Accept(context.Background(), req.(app.ContactRequest).Contact.ID); err != nil {
			t.Fatal(err)
		}
		p.await(t, "alice as a contact", func(ev app.Event) bool { _, ok := ev.(app.ContactAdded); return ok })
	}
	s.wait(bobID.Short()) // mallory's name, in the list
	s.enter("/group team")
	s.wait("#team")
	s.enter("/invite " + bobID.Short())
	ev := bob.await(t, "the invite sent to his ID prefix", func(ev app.Event) bool { _, ok := ev.(app.GroupInvite); return ok })
	for _, m := range ev.(app.GroupInvite).Group.Members {
		if m.ID == mallory.core.Self().ID {
			t.Fatal("the roster of the invite sent to bob's prefix holds mallory")
		}
	}
	s.quit()
	for {
		select {
		case ev := <-mallory.events:
			if _, ok := ev.(app.GroupInvite); ok {
				t.Fatal("mallory got the invite sent to bob's ID prefix")
			}
		default:
			return
		}
	}
}
