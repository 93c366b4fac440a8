package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
	"jarvis/crypto"
)

// befriend has p ask the UI's person to be a contact and the UI accept.
func befriend(t *testing.T, s *screenUI, p *peer, name string) crypto.ID {
	t.Helper()
	c, err := p.core.AddContact(context.Background(), s.code())
	if err != nil {
		t.Fatal(err)
	}
	s.wait("request: " + name[:min(len(name), 9)])
	s.enter("/accept " + name)
	p.await(t, "the acceptance", func(ev app.Event) bool { _, ok := ev.(app.ContactAdded); return ok })
	return c.ID
}

func TestIncomingRequestIsAcceptedFromTheInputLine(t *testing.T) {
	bob := newPeer(t, "Bob")
	s, _ := unlockedUI(t, "Alice")
	alice := befriend(t, s, bob, "Bob")
	s.wait("Bob is now a contact")
	s.wait("· direct 127.0.0.1:") // the path the real core reports
	s.wait("· direct only ·")     // --tor off, in the status bar
	if _, err := bob.core.Send(context.Background(), app.ContactChat(alice), "thanks"); err != nil {
		t.Fatal(err)
	}
	s.wait("Bob: thanks")
}

func TestPeerMarkupAndEscapesRenderLiterally(t *testing.T) {
	evil := newPeer(t, "[red]evil[-]")
	s, _ := unlockedUI(t, "Alice")
	alice := befriend(t, s, evil, "[red]evil[-]")
	if _, err := evil.core.Send(context.Background(), app.ContactChat(alice), "\x1b[2J\x1b]0;pwned\x07[green]gotcha[-] \x1b[31mred\x1b[0m"); err != nil {
		t.Fatal(err)
	}
	s.wait("[red]evil[-]: [green]gotcha[-] red")
	if screen := s.contents(); strings.ContainsAny(screen, "\x1b\x07") || strings.Contains(screen, "pwned") {
		t.Fatalf("escape sequences reached the screen:\n%s", screen)
	}
}

func TestLockScreenHidesEverythingAndIgnoresEsc(t *testing.T) {
	bob := newPeer(t, "Bob")
	s, _ := unlockedUI(t, "Alice")
	alice := befriend(t, s, bob, "Bob")
	if _, err := bob.core.Send(context.Background(), app.ContactChat(alice), "secret plans"); err != nil {
		t.Fatal(err)
	}
	s.wait("secret plans")
	s.screen.InjectKey(tcell.KeyRune, 'k', tcell.ModAlt) // Ctrl+L redraws
	s.wait("Jarvis is locked")
	for _, k := range []tcell.Key{tcell.KeyEsc, tcell.KeyTab, tcell.KeyCtrlN, tcell.KeyF1, tcell.KeyCtrlL, tcell.KeyEnter} {
		s.key(k)
	}
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt)
	if _, err := bob.core.Send(context.Background(), app.ContactChat(alice), "more plans"); err != nil {
		t.Fatal(err)
	}
	s.enter("wrong")
	s.wait("Wrong passphrase")
	screen := s.contents()
	for _, leak := range []string{"Bob", "secret", "plans", "Alice"} {
		if strings.Contains(screen, leak) {
			t.Fatalf("lock screen shows %q:\n%s", leak, screen)
		}
	}
	s.enter(testPass)
	s.wait("more plans")
	s.waitGone("Jarvis is locked")
}

func TestDraftsSurviveSwitchingAndEsc(t *testing.T) {
	bob := newPeer(t, "Bob")
	carol := newPeer(t, "Carol")
	s, _ := unlockedUI(t, "Alice")
	befriend(t, s, bob, "Bob")
	befriend(t, s, carol, "Carol")
	s.enter("/info Bob") // opens a dialog; Esc must leave the input alone
	s.wait("Safety number")
	s.key(tcell.KeyEsc)
	s.waitGone("Safety number")
	// Whichever conversation is open, type a draft, switch, come back.
	s.typeText("half a thought")
	s.key(tcell.KeyF1)
	s.wait("Keys")
	s.key(tcell.KeyEsc)
	s.waitGone("Alt+A ")
	s.wait("> half a thought")
	s.key(tcell.KeyCtrlN)
	s.waitGone("> half a thought")
	s.typeText("other")
	s.wait("> other")
	s.key(tcell.KeyCtrlP)
	s.wait("> half a thought")
	s.key(tcell.KeyCtrlN)
	s.wait("> other")
}
