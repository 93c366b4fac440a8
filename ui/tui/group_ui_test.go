package tui

import (
	"context"
	"jarvis/crypto"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
)

// awaitGroupText waits until p receives a group message with text.
func (p *peer) awaitGroupText(t *testing.T, text string) {
	t.Helper()
	p.await(t, "group message "+text, func(ev app.Event) bool {
		e, ok := ev.(app.MessageReceived)
		return ok && e.Message.Conversation.IsGroup() && e.Message.Text == text
	})
}

func TestGroupCreatedFromTheInputLineInvitesAContactAndChats(t *testing.T) {
	bob := newPeer(t, "Bob")
	s, _ := unlockedUI(t, "Alice")
	befriend(t, s, bob, "Bob")

	s.enter("/group Team — weekend plans")
	s.wait("#Team · 1 member, 1 online · weekend plans")
	s.wait("Nobody else is here yet")
	s.enter("/invite Bob")
	s.wait("you added Bob")
	inv := bob.await(t, "the invite", func(ev app.Event) bool { _, ok := ev.(app.GroupInvite); return ok }).(app.GroupInvite)
	if inv.Group.Name != "Team" || inv.FromName != "Alice" {
		t.Fatalf("invite = %q from %q", inv.Group.Name, inv.FromName)
	}
	gid := inv.Group.ID
	if err := bob.core.AcceptInvite(context.Background(), gid); err != nil {
		t.Fatal(err)
	}
	s.wait("2 members, 2 online")

	if _, err := bob.core.Send(context.Background(), app.GroupChat(gid), "hi team"); err != nil {
		t.Fatal(err)
	}
	s.wait("Bob: hi team")
	s.enter("hello bob")
	s.wait("Alice: hello bob")
	bob.awaitGroupText(t, "hello bob")
	s.waitGone("◷")

	s.enter("/members")
	s.wait("Members of #Team")
	screen := s.contents()
	for _, want := range []string{"Alice (you) · owner", "Bob · member", "2 members, 2 online"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("/members lacks %q:\n%s", want, screen)
		}
	}
	s.key(tcell.KeyEsc)
	s.waitGone("Members of #Team")

	// Locked, nothing of the group shows, and its messages keep arriving.
	s.screen.InjectKey(tcell.KeyRune, 'k', tcell.ModAlt) // Ctrl+L redraws
	s.wait("Jarvis is locked")
	if _, err := bob.core.Send(context.Background(), app.GroupChat(gid), "secret group plan"); err != nil {
		t.Fatal(err)
	}
	s.enter("wrong")
	s.wait("Wrong passphrase")
	for _, leak := range []string{"Team", "secret", "Bob", "weekend"} {
		if strings.Contains(s.contents(), leak) {
			t.Fatalf("lock screen shows %q:\n%s", leak, s.contents())
		}
	}
	s.enter(testPass)
	s.wait("Bob: secret group plan")

	s.typeText("/pro")
	s.key(tcell.KeyTab)
	s.typeText("b")
	s.key(tcell.KeyTab)
	s.wait("> /promote Bob")
	s.key(tcell.KeyEnter)
	s.wait("you made Bob an admin")
	s.enter("/topic plans for sunday")
	s.wait("· plans for sunday")
	s.enter("/kick Nobody")
	s.wait(app.ErrUnknownMember.Error()) // the core resolves names, and says so

	// Drafts are kept per conversation, groups included.
	s.key(tcell.KeyCtrlU)
	s.typeText("half a group thought")
	s.key(tcell.KeyCtrlN)
	s.waitGone("> half a group thought")
	s.key(tcell.KeyCtrlP)
	s.wait("> half a group thought")
	s.key(tcell.KeyCtrlU)

	s.enter("/info")
	s.wait("You are  the owner")
	s.wait("ID       " + gid.String())
	s.key(tcell.KeyEsc)
	s.waitGone("You are  the owner")
	s.enter("/leave")
	s.wait("Leave #Team?")
	s.key(tcell.KeyBacktab) // from No to Yes
	s.key(tcell.KeyEnter)
	s.wait("You left #Team")
	s.wait("#Team · you are no longer a member")
}

func TestGroupInviteFromAPeerIsAcceptedAndAKickShowsASystemLine(t *testing.T) {
	evil := newPeer(t, "[red]evil[-]")
	s, _ := unlockedUI(t, "Alice")
	alice := befriend(t, s, evil, "[red]evil[-]")
	ctx := context.Background()
	g, err := evil.core.CreateGroup(ctx, "[u]g[-]", "[::b]topic")
	if err != nil {
		t.Fatal(err)
	}
	if err := evil.core.Invite(ctx, g.ID, alice); err != nil {
		t.Fatal(err)
	}
	s.wait("2 ? invite: #[u]g[-]") // numbers stay: a new one comes last
	s.wait("[red]evil[-] invited you to #[u]g[-]. Alt+A opens the invite.")
	s.screen.InjectKey(tcell.KeyRune, 'a', tcell.ModAlt)
	s.wait("[red]evil[-] invited you to the group #[u]g[-]")
	s.enter("hi") // not a member yet
	s.wait("Join the group first")
	s.key(tcell.KeyCtrlU)
	s.enter("/accept")
	s.wait("You joined #[u]g[-]")
	s.wait("#[u]g[-] · 2 members, 2 online · [::b]topic")

	if _, err := evil.core.Send(ctx, app.GroupChat(g.ID), "welcome [green]in[-]"); err != nil {
		t.Fatal(err)
	}
	s.wait("[red]evil[-]: welcome [green]in[-]")
	s.enter("thanks")
	s.wait("Alice: thanks")
	evil.awaitGroupText(t, "thanks")

	if err := evil.core.Kick(ctx, g.ID, alice); err != nil {
		t.Fatal(err)
	}
	s.wait("[red]evil[-] removed you")
	s.wait("You are no longer a member of this group")
	s.enter("still here?")
	s.wait("you cannot write here")
	s.key(tcell.KeyCtrlU)
	s.enter("/delete")
	s.wait("Delete #[u]g[-]")
	s.enter("[u]g[-]") // typed literally, as the name must be
	s.wait("Deleted #[u]g[-]")
	s.waitGone("× #[u]g[-]")
}

func TestHelpListsGroupCommandsAndScrollsFromF1(t *testing.T) {
	s, _ := unlockedUI(t, "Alice")
	s.key(tcell.KeyF1)
	s.wait("select a message") // the keys come first
	s.key(tcell.KeyPgDn)
	s.wait("/accept [NAME]   accept a contact request")
	for range 3 {
		s.key(tcell.KeyPgDn)
	}
	s.wait("/members         who is in the group")
	s.wait("/leave ")
	s.key(tcell.KeyEsc)
	s.waitGone("Help — Esc closes")
}

func TestTheSameGroupTextSentTwiceShowsTwiceEachSettledByItsID(t *testing.T) {
	bob := newPeer(t, "Bob")
	s, _ := unlockedUI(t, "Alice")
	befriend(t, s, bob, "Bob")
	s.enter("/group Twice")
	s.wait("#Twice · 1 member")
	s.enter("/invite Bob")
	inv := bob.await(t, "the invite", func(ev app.Event) bool { _, ok := ev.(app.GroupInvite); return ok }).(app.GroupInvite)
	if err := bob.core.AcceptInvite(context.Background(), inv.Group.ID); err != nil {
		t.Fatal(err)
	}
	s.wait("2 members, 2 online")

	s.enter("same words")
	s.enter("same words")
	ids := make(map[crypto.MessageID]bool)
	bob.await(t, "both messages", func(ev app.Event) bool {
		if e, ok := ev.(app.MessageReceived); ok && e.Message.Text == "same words" {
			ids[e.Message.ID] = true
		}
		return len(ids) == 2
	})
	for deadline := time.Now().Add(waitFor); strings.Count(s.contents(), "Alice: same words") != 2; {
		if time.Now().After(deadline) {
			t.Fatalf("the screen does not show the message twice:\n%s", s.contents())
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.waitGone("◷")
}
