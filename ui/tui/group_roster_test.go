package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
	"jarvis/crypto"
)

// twoBobsGroup is a fake core with #Team: us and two members named Bob,
// whom the core tells apart by their short IDs.
func twoBobsGroup(history []app.Message) (*fakeCore, crypto.GroupID, crypto.ID) {
	me, bob1, bob2 := crypto.ID{1}, crypto.ID{2}, crypto.ID{3}
	team := crypto.GroupID{9}
	bob := func(id crypto.ID) app.GroupMember {
		return app.GroupMember{ID: id, Name: "Bob", Display: "Bob (" + id.Short() + ")", Role: crypto.RoleMember}
	}
	core := &fakeCore{
		self: app.Self{ID: me, Name: "Alice"},
		groups: []app.Group{{ID: team, Name: "Team", State: app.GroupActive, MyRole: crypto.RoleMember, LastActivity: time.Now(),
			Members: []app.GroupMember{{ID: me, Name: "Alice", Display: "Alice", Self: true, Role: crypto.RoleOwner}, bob(bob1), bob(bob2)}}},
		events:  make(chan app.Event),
		history: map[app.ConversationID][]app.Message{app.GroupChat(team): history},
	}
	return core, team, bob1
}

func TestStoredRosterLinesShowAsSystemLinesAndALiveOneNeverTwice(t *testing.T) {
	now := time.Now()
	team := crypto.GroupID{9}
	joined := app.Message{ID: crypto.MessageID{7}, Conversation: app.GroupChat(team), Text: "Carol joined the group",
		At: now, Cursor: 1, System: true}
	hello := app.Message{ID: crypto.MessageID{8}, Conversation: app.GroupChat(team), Author: crypto.ID{2},
		AuthorName: "Bob (" + crypto.ID{2}.Short() + ")", Text: "hi all", At: now, Cursor: 2, State: app.StateSeen}
	core, _, _ := twoBobsGroup([]app.Message{joined, hello})
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt)
	s.wait(" — Carol joined the group")
	s.wait("Bob (" + crypto.ID{2}.Short() + "): hi all")

	// The live event of a line the history already holds, then a new one.
	core.events <- app.GroupSystem{Group: team, Text: joined.Text, ID: joined.ID, Cursor: joined.Cursor}
	core.events <- app.GroupSystem{Group: team, Text: "Dave left the group", ID: crypto.MessageID{10}, Cursor: 3}
	s.wait(" — Dave left the group")
	screen := s.contents()
	if n := strings.Count(screen, "Carol joined the group"); n != 1 {
		t.Fatalf("the stored line shows %d times, want once:\n%s", n, screen)
	}
	if strings.Contains(screen, ": Carol joined") {
		t.Fatalf("the stored line shows as a message without a name:\n%s", screen)
	}
}

func TestMembersWithTheSameNameShowTheirShortIDs(t *testing.T) {
	core, _, bob1 := twoBobsGroup(nil)
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt)
	s.wait("#Team · 3 members")
	s.enter("/members")
	s.wait("Bob (" + bob1.Short() + ") · member")
	s.wait("Bob (" + crypto.ID{3}.Short() + ") · member")
}

func TestNickRenamesUsInTheOpenGroupOnly(t *testing.T) {
	core, _, _ := twoBobsGroup(nil)
	bob := crypto.ID{4}
	core.contacts = []app.Contact{{ID: bob, Name: "Zed", State: app.ContactAccepted}}
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.wait("Zed")

	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // Zed, a 1:1 chat
	s.enter("/nick Al")
	s.wait("/nick works in a group")
	s.key(tcell.KeyCtrlU)

	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt)
	s.wait("#Team · 3 members")
	s.enter("/nick")
	s.wait("Usage: /nick NAME")
	s.key(tcell.KeyCtrlU)
	s.enter("/nick " + strings.Repeat("a", crypto.MaxName+1))
	s.wait("That name will not do: name is longer than")
	s.key(tcell.KeyCtrlU)
	s.typeText("/ni")
	s.key(tcell.KeyTab)
	s.typeText("Ally")
	s.key(tcell.KeyEnter)
	s.wait("You are now Ally in #Team.")
	s.quit()
	if got := core.called(); len(got) != 1 || got[0] != "nick Ally" {
		t.Fatalf("core saw %q, want one nick Ally", got)
	}
}

func TestARenameInAGroupShowsOnceLiveAndAgainAfterARestart(t *testing.T) {
	bob := newPeer(t, "Bob")
	s, acc := unlockedUI(t, "Alice")
	befriend(t, s, bob, "Bob")
	s.enter("/group Crew")
	s.wait("#Crew · 1 member")
	s.enter("/invite Bob")
	inv := bob.await(t, "the invite", func(ev app.Event) bool { _, ok := ev.(app.GroupInvite); return ok }).(app.GroupInvite)
	ctx := context.Background()
	if err := bob.core.AcceptInvite(ctx, inv.Group.ID); err != nil {
		t.Fatal(err)
	}
	s.wait("2 members, 2 online")
	if err := bob.core.SetMyGroupName(ctx, inv.Group.ID, "Bobby"); err != nil {
		t.Fatal(err)
	}
	const renamed = `Bob is now called "Bobby"`
	s.wait(" — " + renamed)
	s.enter("/nick Ally")
	s.wait("You are now Ally in #Crew.")
	bob.await(t, "alice's rename", func(ev app.Event) bool {
		e, ok := ev.(app.GroupSystem)
		return ok && strings.Contains(e.Text, "Ally")
	})
	if n := strings.Count(s.contents(), renamed); n != 1 {
		t.Fatalf("the rename shows %d times, want once:\n%s", n, s.contents())
	}
	s.quit()

	s = startUI(t, acc, 100, 30)
	s.wait("#Crew") // open at the end, so open again
	s.wait(" — " + renamed)
	if n := strings.Count(s.contents(), renamed); n != 1 {
		t.Fatalf("after a restart the rename shows %d times, want once:\n%s", n, s.contents())
	}
}

func TestDataChangedOutsideJarvisIsSaidNotShownAsAnEmptyList(t *testing.T) {
	core := &fakeCore{self: app.Self{ID: crypto.ID{1}, Name: "Alice"}, events: make(chan app.Event)}
	s := startWithCore(t, core, 100, 30)
	s.wait("no contacts yet")
	core.events <- app.Failure{Op: "load contacts", Err: fmt.Errorf("store: contacts: table contacts: %w", app.ErrTampered)}
	s.wait("outside Jarvis:")
	if s.seen("no contacts yet") {
		t.Fatalf("the list still says it is empty:\n%s", s.contents())
	}
}
