package app

import (
	"context"
	"fmt"
	"testing"

	"jarvis/crypto"
)

func TestMarkReadUpToSendsReceiptsOnlyForWhatWasShown(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	aID, bID := a.core.Self().ID, b.core.Self().ID
	var ids []crypto.MessageID
	var shown int64
	for i := range 3 {
		text := fmt.Sprintf("line %d", i)
		id, err := a.core.Send(ctx, ContactChat(bID), text)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		got := b.waitFor(text, isReceived(text)).(MessageReceived)
		if i == 1 {
			shown = got.Message.Cursor
		}
	}
	if err := b.core.MarkReadUpTo(ctx, ContactChat(aID), shown); err != nil {
		t.Fatal(err)
	}
	a.waitFor("the second read", isStatus(ids[1], StateRead))
	if c, err := b.core.Contact(ctx, aID); err != nil || c.Unread != 1 {
		t.Fatalf("unread after reading two of three = %d, %v", c.Unread, err)
	}
	if a.count(isStatus(ids[2], StateRead)) != 0 {
		t.Fatal("the line never shown was reported read")
	}
	if err := b.core.MarkRead(ctx, ContactChat(aID)); err != nil {
		t.Fatal(err)
	}
	a.waitFor("the third read", isStatus(ids[2], StateRead))
}
