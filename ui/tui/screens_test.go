package tui

import (
	"context"
	"testing"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
)

func TestFirstRunCreatesAnIdentity(t *testing.T) {
	acc := openAccount(t, t.TempDir())
	t.Cleanup(func() { acc.Close() })
	s := startUI(t, acc, 80, 24)
	s.wait("cannot be recovered")
	s.typeText("Alice")
	s.key(tcell.KeyTab)
	s.typeText(testPass)
	s.wait("Strength: strong")
	s.key(tcell.KeyTab)
	s.enter("something else")
	s.wait("passphrases differ")
	s.enter(testPass)
	s.wait("Your identity is ready")
	s.wait("Alice")
	s.quit()
	if ok, err := acc.Exists(context.Background()); err != nil || !ok {
		t.Fatalf("Exists after create = %v, %v", ok, err)
	}
}

func TestUnlockRejectsAWrongPassphraseThenAcceptsTheRightOne(t *testing.T) {
	dir := t.TempDir()
	acc := openAccount(t, dir)
	if err := acc.Create(context.Background(), "Alice", []byte(testPass)); err != nil {
		t.Fatal(err)
	}
	acc.Close()
	acc = openAccount(t, dir) // reopened: locked
	t.Cleanup(func() { acc.Close() })
	s := startUI(t, acc, 80, 24)
	s.wait("Passphrase")
	s.enter("wrong")
	s.wait("Wrong passphrase")
	s.enter(testPass)
	s.wait("online")
	s.wait("Alice")
	s.quit()
}

func TestAddContactThenChatShowsDelivery(t *testing.T) {
	bob := newPeer(t, "Bob")
	s, _ := unlockedUI(t, "Alice")
	s.enter("/add " + bob.core.Self().Code)
	s.wait("Request sent to Bob")
	req := bob.await(t, "a contact request", func(ev app.Event) bool { _, ok := ev.(app.ContactRequest); return ok })
	if err := bob.core.Accept(context.Background(), req.(app.ContactRequest).Contact.ID); err != nil {
		t.Fatal(err)
	}
	s.wait("unverified")
	s.enter("hello bob")
	s.wait("hello bob ✓✓")
	got := bob.await(t, "the message", func(ev app.Event) bool { _, ok := ev.(app.MessageReceived); return ok })
	if text := got.(app.MessageReceived).Message.Text; text != "hello bob" {
		t.Fatalf("bob got %q", text)
	}
	if _, err := bob.core.Send(context.Background(), app.ContactChat(req.(app.ContactRequest).Contact.ID), "hi alice"); err != nil {
		t.Fatal(err)
	}
	s.wait("Bob: hi alice")
	if err := bob.core.MarkRead(context.Background(), app.ContactChat(req.(app.ContactRequest).Contact.ID)); err != nil {
		t.Fatal(err)
	}
	s.wait("hello bob ✓✓ read")
}
