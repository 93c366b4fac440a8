package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

func isEdited(id crypto.MessageID, text string) func(Event) bool {
	return func(e Event) bool {
		ev, ok := e.(MessageEdited)
		return ok && ev.ID == id && ev.Text == text
	}
}

func isDeleted(id crypto.MessageID) func(Event) bool {
	return func(e Event) bool { ev, ok := e.(MessageDeleted); return ok && ev.ID == id }
}

func isReaction(id crypto.MessageID, emoji string) func(Event) bool {
	return func(e Event) bool { ev, ok := e.(ReactionSet); return ok && ev.ID == id && ev.Emoji == emoji }
}

// findMessage returns id from n's history of conv.
func findMessage(t *testing.T, n *node, conv ConversationID, id crypto.MessageID) Message {
	t.Helper()
	hist, err := n.core.History(context.Background(), conv, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range hist {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("%s has no message %s", n.name, id)
	return Message{}
}

// dirHolds reports whether any file under dir contains b.
func dirHolds(t *testing.T, dir string, b []byte) bool {
	t.Helper()
	found := false
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && bytes.Contains(data, b) {
			found = true
		}
		return nil
	})
	return found
}

func TestChatRepliesReactionsEditsAndDeletesReachTheOtherDevice(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	aID, bID := a.core.Self().ID, b.core.Self().ID
	toB, toA := ContactChat(bID), ContactChat(aID)

	orig, err := a.core.Send(ctx, toB, "meet at noon")
	if err != nil {
		t.Fatal(err)
	}
	b.waitFor("message", isReceived("meet at noon"))
	reply, err := b.core.Reply(ctx, toA, "ok, where?", orig)
	if err != nil {
		t.Fatal(err)
	}
	got := a.waitFor("reply", isReceived("ok, where?")).(MessageReceived).Message
	if got.ID != reply || got.ReplyTo != orig || got.Quote == nil || got.Quote.Text != "meet at noon" || got.Quote.Author != aID {
		t.Fatalf("reply arrived as %+v (quote %+v)", got, got.Quote)
	}

	if err := b.core.React(ctx, toA, orig, "👍"); err != nil {
		t.Fatal(err)
	}
	a.waitFor("reaction", isReaction(orig, "👍"))
	if err := b.core.Edit(ctx, toA, orig, "not mine"); !errors.Is(err, ErrNotYours) {
		t.Fatalf("editing another's message: %v", err)
	}
	// Bob's software sends an edit of Alice's message anyway: Alice drops it.
	if _, err := b.core.sendOp(ctx, toA, store.KindEdit, orig, "forged", nil); err != nil {
		t.Fatal(err)
	}
	if err := a.core.Edit(ctx, toB, orig, "meet at one"); err != nil {
		t.Fatal(err)
	}
	b.waitFor("edit", isEdited(orig, "meet at one"))
	m := findMessage(t, a, toB, orig)
	if m.Text != "meet at one" || m.EditedAt.IsZero() || len(m.Reactions) != 1 || m.Reactions[0].From != bID {
		t.Fatalf("alice's copy: %+v", m)
	}
	if a.count(isEdited(orig, "forged")) != 0 || findMessage(t, b, toA, orig).Text != "meet at one" {
		t.Fatal("a forged edit was applied")
	}

	// Taking the reaction back: the same emoji again.
	if err := b.core.React(ctx, toA, orig, "👍"); err != nil {
		t.Fatal(err)
	}
	a.waitFor("reaction removed", isReaction(orig, ""))
	if m := findMessage(t, a, toB, orig); len(m.Reactions) != 0 {
		t.Fatalf("reactions after removal: %+v", m.Reactions)
	}

	if err := a.core.Delete(ctx, toB, orig, true); err != nil {
		t.Fatal(err)
	}
	b.waitFor("delete", isDeleted(orig))
	for _, n := range []*node{a, b} {
		conv := map[*node]ConversationID{a: toB, b: toA}[n]
		if m := findMessage(t, n, conv, orig); !m.Deleted || m.Text != "" {
			t.Fatalf("%s still shows %+v", n.name, m)
		}
	}
	if err := b.core.Edit(ctx, toA, reply, "ok"); err != nil {
		t.Fatal(err)
	}
	a.waitFor("edit of the reply", isEdited(reply, "ok"))
	q := findMessage(t, a, toB, reply).Quote
	if q == nil || !q.Deleted || q.Text != "" {
		t.Fatalf("quote of a deleted message: %+v", q)
	}
	for _, n := range []*node{a, b} {
		n.stop()
		for _, text := range []string{"meet at noon", "meet at one", "ok, where?"} {
			if dirHolds(t, n.dir, []byte(text)) {
				t.Fatalf("%s's data directory holds %q", n.name, text)
			}
		}
	}
}

func TestDeleteForMeStaysOnThisDevice(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	toB, toA := ContactChat(b.core.Self().ID), ContactChat(a.core.Self().ID)
	id, err := a.core.Send(ctx, toB, "just for me")
	if err != nil {
		t.Fatal(err)
	}
	b.waitFor("message", isReceived("just for me"))
	if err := b.core.Delete(ctx, toA, id, false); err != nil {
		t.Fatal(err)
	}
	if m := findMessage(t, b, toA, id); !m.Deleted {
		t.Fatalf("bob's copy: %+v", m)
	}
	if err := b.core.Delete(ctx, toA, id, true); !errors.Is(err, ErrNotYours) && err != nil {
		t.Fatalf("delete for everyone of another's message: %v", err)
	}
	if m := findMessage(t, a, toB, id); m.Deleted || m.Text != "just for me" {
		t.Fatalf("alice's copy changed: %+v", m)
	}
	// A message still in the outbox keeps its text until delivered.
	b.stop()
	queued, err := a.core.Send(ctx, toB, "not yet out")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.core.Delete(ctx, toB, queued, false); !errors.Is(err, ErrNotDelivered) {
		t.Fatalf("delete for me of a queued message: %v", err)
	}
}

func TestGroupOperationsReachAnOfflineMemberThroughRelayingOnce(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	c := newNode(t, "c", t.TempDir(), "")
	gid := makeGroup(t, a, b, c)
	conv := GroupChat(gid)
	bID, cID := b.core.Self().ID, c.core.Self().ID

	c.stop()
	eventually(t, "a sees c offline", func() bool { return !groupOnline(t, a, cID) })
	m1, err := a.core.Send(ctx, conv, "plan A")
	if err != nil {
		t.Fatal(err)
	}
	b.waitFor("plan A", isGroupText(gid, "plan A"))
	m2, err := b.core.Send(ctx, conv, "plan B")
	if err != nil {
		t.Fatal(err)
	}
	a.waitFor("plan B", isGroupText(gid, "plan B"))
	if _, err := b.core.Reply(ctx, conv, "A is better", m1); err != nil {
		t.Fatal(err)
	}
	if err := b.core.React(ctx, conv, m1, "❤"); err != nil {
		t.Fatal(err)
	}
	// b is no admin: its delete of a's message is dropped everywhere.
	if err := b.core.Delete(ctx, conv, m1, true); !errors.Is(err, ErrNotYours) {
		t.Fatalf("member deleting another's message: %v", err)
	}
	if _, err := b.core.sendOp(ctx, conv, store.KindDelete, m1, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.core.sendOp(ctx, conv, store.KindEdit, m1, "forged", nil); err != nil {
		t.Fatal(err)
	}
	if err := a.core.Edit(ctx, conv, m1, "plan A2"); err != nil {
		t.Fatal(err)
	}
	b.waitFor("edit", isEdited(m1, "plan A2"))
	// a owns the group: it may delete b's message for everyone.
	if err := a.core.Delete(ctx, conv, m2, true); err != nil {
		t.Fatal(err)
	}
	b.waitFor("moderated", isDeleted(m2))
	a.waitFor("reaction", isReaction(m1, "❤"))
	a.stop()

	c = c.restart()
	c.waitFor("reply via b", isGroupText(gid, "A is better"))
	c.waitFor("edit via b", isEdited(m1, "plan A2"))
	c.waitFor("delete via b", isDeleted(m2))
	if _, err := b.core.Send(ctx, conv, "barrier"); err != nil {
		t.Fatal(err)
	}
	c.waitFor("barrier", isGroupText(gid, "barrier"))
	for _, n := range []*node{b, c} {
		m := findMessage(t, n, conv, m1)
		if m.Text != "plan A2" || m.Deleted || m.EditedAt.IsZero() || len(m.Reactions) != 1 ||
			m.Reactions[0].From != bID || m.Reactions[0].Emoji != "❤" {
			t.Fatalf("%s shows %+v", n.name, m)
		}
		if m := findMessage(t, n, conv, m2); !m.Deleted || m.Text != "" {
			t.Fatalf("%s shows the moderated message as %+v", n.name, m)
		}
	}
	if n := c.count(isEdited(m1, "plan A2")); n != 1 {
		t.Fatalf("edit applied %d times", n)
	}
	if c.count(isEdited(m1, "forged"))+c.count(isDeleted(m1)) != 0 {
		t.Fatal("a forged operation was applied")
	}
}

func TestAReactionIsOneEmoji(t *testing.T) {
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	ctx := context.Background()
	toB := ContactChat(b.core.Self().ID)
	id, err := a.core.Send(ctx, toB, "hi")
	if err != nil {
		t.Fatal(err)
	}
	for _, emoji := range []string{"👍👍", "ok", string(make([]byte, 40))} {
		if err := a.core.React(ctx, toB, id, emoji); !errors.Is(err, ErrBadEmoji) {
			t.Errorf("React(%q) = %v, want ErrBadEmoji", emoji, err)
		}
	}
	for _, emoji := range []string{"👍🏽", "👩‍👩‍👧", ""} {
		if err := a.core.React(ctx, toB, id, emoji); err != nil {
			t.Errorf("React(%q) = %v", emoji, err)
		}
	}
}

// TestAChatEditBeforeItsMessageWaitsAndAppliesOnce: a contact's software
// sends an edit, then the message it edits, then the edit again (a second
// device, a resend); the edit waits for the message and applies once.
func TestAChatEditBeforeItsMessageWaitsAndAppliesOnce(t *testing.T) {
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	e, aIdentity := impersonate(t, a, b)
	self := b.core.Self()
	now := time.Now().UnixMilli()
	target, editID := crypto.MessageID{0x71}, crypto.MessageID{0x72}
	edit := wire.Edit{ID: editID, SentAt: now + 1000, Target: target, Body: "fixed text"}
	for _, msg := range []wire.Message{edit, wire.Text{ID: target, SentAt: now, Body: "first text"}, edit} {
		if err := e.Send(ctx, self.ID, msg); err != nil {
			t.Fatal(err)
		}
	}
	b.waitFor("edit", isEdited(target, "fixed text"))
	if err := e.Send(ctx, self.ID, wire.Text{ID: crypto.MessageID{0x73}, SentAt: now, Body: "barrier"}); err != nil {
		t.Fatal(err)
	}
	b.waitFor("barrier", isReceived("barrier"))
	if n := b.count(isEdited(target, "fixed text")); n != 1 {
		t.Fatalf("edit applied %d times", n)
	}
	if m := findMessage(t, b, ContactChat(aIdentity.ID()), target); m.Text != "fixed text" || m.EditedAt.IsZero() {
		t.Fatalf("bob shows %+v", m)
	}
}

// Our chat message's history entry says when the contact stored it and
// when they read it, as the details dialog shows.
func TestHistoryTellsWhenOurMessageWasDeliveredAndRead(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	toB, toA := ContactChat(b.core.Self().ID), ContactChat(a.core.Self().ID)
	id, err := a.core.Send(ctx, toB, "on my way")
	if err != nil {
		t.Fatal(err)
	}
	a.waitFor("delivered", isStatus(id, StateDelivered))
	if m := findMessage(t, a, toB, id); m.DeliveredAt.IsZero() || !m.ReadAt.IsZero() {
		t.Fatalf("delivered, not read: %+v", m)
	}
	b.waitFor("message", isReceived("on my way"))
	if err := b.core.MarkRead(ctx, toA); err != nil {
		t.Fatal(err)
	}
	a.waitFor("read", isStatus(id, StateRead))
	m := findMessage(t, a, toB, id)
	if m.DeliveredAt.IsZero() || m.ReadAt.Before(m.DeliveredAt) {
		t.Fatalf("read: delivered at %v, read at %v", m.DeliveredAt, m.ReadAt)
	}
	if in := findMessage(t, b, toA, id); !in.DeliveredAt.IsZero() || !in.ReadAt.IsZero() {
		t.Fatalf("the receiver's copy has receipt times: %+v", in)
	}
}
