package app

import (
	"context"
	"fmt"
	"testing"

	"jarvis/crypto"
)

func TestFiveCoresFormAGroupAndEveryoneReadsEveryone(t *testing.T) {
	checkGoroutines(t)
	nodes := make([]*node, 5)
	for i := range nodes {
		nodes[i] = newNode(t, fmt.Sprintf("n%d", i), t.TempDir(), "")
	}
	gid := makeGroup(t, nodes[0], nodes[1:]...)
	for i, n := range nodes {
		sendGroup(t, n, gid, fmt.Sprintf("hello from %d", i))
	}
	for i, n := range nodes {
		for j := range nodes {
			if i != j {
				n.waitFor("group text", isGroupText(gid, fmt.Sprintf("hello from %d", j)))
			}
		}
	}
	hist, err := nodes[2].core.History(context.Background(), GroupChat(gid), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	hist = withoutSystem(hist)
	if len(hist) != 5 {
		t.Fatalf("history has %d messages, want 5", len(hist))
	}
	for _, m := range hist {
		if (m.AuthorName == "") != m.Outgoing || (m.Author == nodes[2].core.Self().ID) != m.Outgoing {
			t.Fatalf("history entry %+v", m)
		}
	}
}

func TestOfflineMemberGetsAMessageRelayedByAnother(t *testing.T) {
	checkGoroutines(t)
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	c := newNode(t, "c", t.TempDir(), "")
	gid := makeGroup(t, a, b, c)
	cID := c.core.Self().ID

	c.stop()
	eventually(t, "a sees c offline", func() bool { return !groupOnline(t, a, cID) })
	sendGroup(t, a, gid, "while you were out")
	b.waitFor("b gets it", isGroupText(gid, "while you were out"))
	a.stop()

	c = c.restart()
	c.waitFor("c gets it from b", isGroupText(gid, "while you were out"))
	// Let any further sync settle, then check it was shown and stored once.
	sendGroup(t, b, gid, "barrier")
	c.waitFor("barrier", isGroupText(gid, "barrier"))
	if n := c.count(isGroupText(gid, "while you were out")); n != 1 {
		t.Fatalf("shown %d times", n)
	}
	hist, err := c.core.History(context.Background(), GroupChat(gid), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Text != "while you were out" || hist[0].AuthorName != "a" {
		t.Fatalf("history = %+v", hist)
	}
}

func TestAGroupMessageSentTwiceIsTwoMessagesEachWithItsOwnState(t *testing.T) {
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	gid := makeGroup(t, a, b)
	ctx := context.Background()
	conv := GroupChat(gid)
	first, err := a.core.Send(ctx, conv, "same words")
	if err != nil {
		t.Fatal(err)
	}
	second, err := a.core.Send(ctx, conv, "same words")
	if err != nil {
		t.Fatal(err)
	}
	if first == second {
		t.Fatal("two sends got one ID")
	}
	for _, id := range []crypto.MessageID{first, second} {
		a.waitFor("queued", isStatus(id, StateQueued))
		a.waitFor("sent", isStatus(id, StateSent))
		b.waitFor("the message", func(e Event) bool {
			r, ok := e.(MessageReceived)
			return ok && r.Message.ID == id && r.Message.Conversation == conv && r.Message.AuthorName == "a"
		})
	}
	if n := a.count(func(e Event) bool { _, ok := e.(MessageReceived); return ok }); n != 0 {
		t.Fatalf("the author got %d MessageReceived for its own messages", n)
	}
	hist, err := a.core.History(ctx, conv, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	hist = withoutSystem(hist)
	if len(hist) != 2 || hist[0].ID != first || hist[1].ID != second {
		t.Fatalf("history = %+v", hist)
	}
	for _, m := range hist {
		if !m.Outgoing || m.State != StateSent || m.Author != a.core.Self().ID {
			t.Fatalf("own message in history: %+v", m)
		}
	}
}
