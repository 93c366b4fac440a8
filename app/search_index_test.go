package app

import (
	"context"
	"slices"
	"testing"

	"jarvis/crypto"
)

// found is a search result as the tests compare it.
type found struct {
	text, from string
	conv       ConversationID
	outgoing   bool
}

func searchFor(t *testing.T, n *node, q SearchQuery) []found {
	t.Helper()
	msgs, err := n.core.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]found, len(msgs))
	for i, m := range msgs {
		out[i] = found{m.Text, m.AuthorName, m.Conversation, m.Outgoing}
		if m.Cursor == 0 || m.ID == (crypto.MessageID{}) {
			t.Errorf("result %q has no cursor or ID", m.Text)
		}
	}
	return out
}

func isIndexReady(e Event) bool {
	p, ok := e.(IndexProgress)
	return ok && p.Ready
}

func TestSearchFindsChatAndGroupMessagesLiveAndFromSealedHistory(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	c := newNode(t, "carol", t.TempDir(), "")
	t.Cleanup(func() { a.stop(); b.stop(); c.stop() })
	g := makeGroup(t, a, b, c)
	bob, group := ContactChat(b.core.Self().ID), GroupChat(g)

	if _, err := a.core.Send(ctx, bob, "Meet at the Café tomorrow"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.core.Send(ctx, ContactChat(a.core.Self().ID), "the café was closed"); err != nil {
		t.Fatal(err)
	}
	a.waitFor("bob's message", isReceived("the café was closed"))
	sendGroup(t, c, g, "CAFE CRÈME for everyone")
	a.waitFor("carol's group message", isGroupText(g, "CAFE CRÈME for everyone"))
	sendGroup(t, a, g, "cafeteria lunch?")

	want := map[string][]found{
		"cafe": {
			{"CAFE CRÈME for everyone", "carol", group, false},
			{"the café was closed", "bob", bob, false},
			{"Meet at the Café tomorrow", "", bob, true},
			{"cafeteria lunch?", "", group, true},
		},
		"cafe creme ": {{"CAFE CRÈME for everyone", "carol", group, false}},
		"here":        {{"CAFE CRÈME for everyone", "carol", group, false}, {"cafeteria lunch?", "", group, true}},
	}
	check := func(when string) {
		t.Helper()
		for _, q := range []SearchQuery{{Text: "cafe"}, {Text: "cafe creme "}, {Text: "cafe", In: group}} {
			key := q.Text
			if q.In != (ConversationID{}) {
				key = "here"
			}
			if got := searchFor(t, a, q); !slices.Equal(got, want[key]) {
				t.Errorf("%s: search %+v:\n got %+v\nwant %+v", when, q, got, want[key])
			}
		}
	}
	check("live")

	a = a.restart()
	t.Cleanup(a.stop)
	p := a.waitFor("index ready", isIndexReady).(IndexProgress)
	if p.Total == 0 || p.Indexed != p.Total {
		t.Errorf("ready at %d of %d", p.Indexed, p.Total)
	}
	if n, total, ready := a.core.SearchProgress(); !ready || n != total {
		t.Errorf("SearchProgress = %d, %d, %v", n, total, ready)
	}
	check("after a restart")
	for _, conv := range []ConversationID{bob, group} {
		hits, err := a.core.Search(ctx, SearchQuery{Text: "cafe", In: conv})
		if err != nil || len(hits) != 2 {
			t.Fatalf("search in %v: %v, %v", conv, hits, err)
		}
		older, newer := hits[0], hits[1]
		if older.Cursor > newer.Cursor {
			older, newer = newer, older
		}
		after, err := a.core.HistoryAfter(ctx, conv, older.Cursor, 10)
		if err != nil || len(after) == 0 || after[len(after)-1].ID != newer.ID {
			t.Errorf("HistoryAfter the older hit in %v = %+v, %v; want it to end at %q", conv, after, err, newer.Text)
		}
		for _, m := range after {
			if m.Cursor <= older.Cursor {
				t.Errorf("HistoryAfter returned %q, not after the cursor", m.Text)
			}
		}
	}

	if err := a.core.Remove(ctx, b.core.Self().ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bob's chat out of the results", func() bool { return len(searchFor(t, a, SearchQuery{Text: "closed"})) == 0 })
	if got := searchFor(t, a, SearchQuery{Text: "cafe"}); len(got) != 2 {
		t.Errorf("after removing bob: %+v", got)
	}
}

// An edit or a delete, ours or the peer's, changes what search finds on
// both ends: the old words stop finding the message, the new ones find it,
// and a deleted message is found by nothing.
func TestSearchFollowsEditsAndDeletes(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	t.Cleanup(func() { a.stop(); b.stop() })
	befriend(t, a, b)
	toB := ContactChat(b.core.Self().ID)

	id, err := a.core.Send(ctx, toB, "lunch at the harbour")
	if err != nil {
		t.Fatal(err)
	}
	b.waitFor("message", isReceived("lunch at the harbour"))
	if err := a.core.Edit(ctx, toB, id, "dinner at the harbour"); err != nil {
		t.Fatal(err)
	}
	b.waitFor("edit", isEdited(id, "dinner at the harbour"))
	a.waitFor("our own edit applied", isEdited(id, "dinner at the harbour"))
	for _, n := range []*node{a, b} {
		if got := searchFor(t, n, SearchQuery{Text: "lunch"}); len(got) != 0 {
			t.Errorf("%s: the old text is still found: %+v", n.name, got)
		}
		if got := searchFor(t, n, SearchQuery{Text: "dinner harbour"}); len(got) != 1 || got[0].text != "dinner at the harbour" {
			t.Errorf("%s: the edited text: %+v", n.name, got)
		}
	}
	if err := a.core.Delete(ctx, toB, id, true); err != nil {
		t.Fatal(err)
	}
	b.waitFor("delete", isDeleted(id))
	a.waitFor("our own delete applied", isDeleted(id))
	for _, n := range []*node{a, b} {
		if got := searchFor(t, n, SearchQuery{Text: "harbour"}); len(got) != 0 {
			t.Errorf("%s: a deleted message is still found: %+v", n.name, got)
		}
	}
}
