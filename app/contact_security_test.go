package app

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
)

// A contact names where it listens in its Hello and in Address messages;
// a is to dial only ports on the IP the contact's session comes from, never
// a host it names elsewhere.
func TestAContactCannotPointUsAtOtherHosts(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "", func(c *Config) {
		c.Advertise = []string{"198.51.100.1:22", "intranet.example:80"}
	})
	befriend(t, b, a) // b asks: a knows b only from what b says
	bID, aID := b.core.Self().ID, a.core.Self().ID
	if err := b.core.engine.Send(ctx, aID, wire.Address{Addrs: []string{"192.0.2.55:25", "127.0.0.1:1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.core.Send(ctx, ContactChat(aID), "barrier"); err != nil {
		t.Fatal(err)
	}
	a.waitFor("barrier", isReceived("barrier"))
	c, err := a.account.store.Contact(ctx, bID)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range c.Addrs {
		if addr != b.listen && addr != "127.0.0.1:1" {
			t.Errorf("a learned %q for b", addr)
		}
	}
	if !slices.Contains(c.Addrs, "127.0.0.1:1") {
		t.Errorf("a port on b's own IP was not learned: %v", c.Addrs)
	}
}

// ask has a fresh stranger dialling from src send n a contact request, and
// waits until n shows it.
func ask(t *testing.T, n *node, src, name string) *hostile {
	t.Helper()
	h := newHostile(t, src)
	h.dial(n)
	h.send(n.core.Self().ID, wire.ContactRequest{Name: name})
	n.waitFor("request from "+name, func(e Event) bool {
		r, ok := e.(ContactRequest)
		return ok && r.Contact.ID == h.ID()
	})
	return h
}

// pendingIDs lists n's pending requests.
func pendingIDs(t *testing.T, n *node) map[crypto.ID]bool {
	t.Helper()
	list, err := n.core.Contacts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[crypto.ID]bool)
	for _, c := range list {
		if c.State == ContactPendingIn {
			out[c.ID] = true
		}
	}
	return out
}

func setRequestCaps(t *testing.T, n *node, caps requestCaps) {
	t.Helper()
	err := n.core.changeContacts(context.Background(), func(_ context.Context, m *contactManager) error {
		m.caps = caps
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Throwaway identities filling every slot must not lock a real request
// out: the newest request always gets in, in place of the oldest the user
// has not opened, and one network cannot hold more than its share.
func TestTheNewestRequestAlwaysGetsIn(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	setRequestCaps(t, a, requestCaps{total: 3, perPrefix: 2})
	opened := ask(t, a, "127.0.0.1", "opened")
	if err := a.core.MarkRead(ctx, ContactChat(opened.ID())); err != nil {
		t.Fatal(err)
	}
	oldest := ask(t, a, "127.0.1.1", "oldest")
	middle := ask(t, a, "127.0.2.1", "middle")
	fourth := ask(t, a, "127.0.3.1", "fourth")
	want := map[crypto.ID]bool{opened.ID(): true, middle.ID(): true, fourth.ID(): true}
	if got := pendingIDs(t, a); !maps.Equal(got, want) {
		t.Fatalf("after a fourth request: %d pending, oldest kept %v", len(got), got[oldest.ID()])
	}
	// Two more from the fourth's network: the first evicts the oldest
	// unopened (middle), the second its own network's oldest (fourth).
	fifth := ask(t, a, "127.0.3.2", "fifth")
	sixth := ask(t, a, "127.0.3.3", "sixth")
	want = map[crypto.ID]bool{opened.ID(): true, fifth.ID(): true, sixth.ID(): true}
	if got := pendingIDs(t, a); !maps.Equal(got, want) {
		t.Fatalf("after three from one network: middle kept %v, fourth kept %v", got[middle.ID()], got[fourth.ID()])
	}
	if a.count(func(e Event) bool { _, ok := e.(ContactRemoved); return ok }) != 3 {
		t.Fatal("every eviction should tell the frontend")
	}
}

// A stranger gets one request's worth of attention: once its request is
// stored, its session ends.
func TestAStrangersSessionEndsOnceItsRequestIsStored(t *testing.T) {
	checkGoroutines(t)
	a := newNode(t, "a", t.TempDir(), "")
	h := newHostile(t, "")
	since := h.mark()
	session := h.dial(a)
	h.send(a.core.Self().ID, wire.ContactRequest{Name: "h"})
	h.waitFor("the session to end", since, isDown(a.core.Self().ID, session))
}

// A declined stranger is told once, and every later session it opens, on
// this run or the next, is told again and closed; asking again on a session
// closes it outright.
func TestADeclinedStrangerIsCutOffOnEveryConnection(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	aID := a.core.Self().ID
	h := ask(t, a, "", "h")
	since := h.mark()
	if err := a.core.Reject(ctx, h.ID()); err != nil {
		t.Fatal(err)
	}
	// h holds a, so its engine redials: each new session is told and closed.
	for round := 0; round < 2; round++ {
		s := h.waitUp(since, aID)
		h.waitFor("the reject", since, func(ev p2p.Event) bool {
			r, ok := ev.(p2p.Received)
			return ok && r.Session == s && slices.ContainsFunc(r.Msgs, isRecord[wire.ContactReject])
		})
		h.waitFor("the session to end", since, isDown(aID, s))
		since = h.mark()
		if round == 0 {
			a = a.restart()
		}
	}
	// Asking again on a fresh session: the request is never shown.
	s := h.waitUp(since, aID)
	h.eng.TrySend(aID, wire.ContactRequest{Name: "h again"}, wire.ContactRequest{Name: "h again"})
	h.waitFor("the session to end", since, isDown(aID, s))
	if n := a.count(func(e Event) bool { _, ok := e.(ContactRequest); return ok }); n != 0 {
		t.Fatalf("a showed %d requests from a declined stranger", n)
	}
	if len(pendingIDs(t, a)) != 0 {
		t.Fatal("a stored a declined stranger's request")
	}
}

// An accepted contact repeating ContactRequest gets at most one answer per
// session (besides the one every session starts with), so repeating it
// costs the victim nothing.
func TestARepeatedRequestIsAnsweredAtMostOncePerSession(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	aID := a.core.Self().ID
	h := newHostile(t, "")
	since := h.mark()
	if _, err := a.core.AddContact(ctx, h.code()); err != nil {
		t.Fatal(err)
	}
	s := h.waitUp(since, aID)
	h.waitFor("a's request", since, func(ev p2p.Event) bool {
		r, ok := ev.(p2p.Received)
		// Anywhere in the frame: an address record may come first.
		return ok && slices.ContainsFunc(r.Msgs, isRecord[wire.ContactRequest])
	})
	h.send(aID, wire.ContactAccept{Name: "h"})
	a.waitFor("h added", func(e Event) bool { c, ok := e.(ContactAdded); return ok && c.Contact.ID == h.ID() })
	before := h.count(since, isRecord[wire.ContactAccept])
	for range 200 {
		h.send(aID, wire.ContactRequest{Name: "h"})
	}
	// A text is acked after every request before it was handled.
	mid := crypto.NewMessageID(time.Now())
	h.send(aID, wire.Text{ID: mid, SentAt: time.Now().UnixMilli(), Body: "barrier"})
	h.waitFor("the barrier's ack", since, func(ev p2p.Event) bool {
		r, ok := ev.(p2p.Received)
		if !ok || r.Session != s {
			return false
		}
		for _, m := range r.Msgs {
			if ack, ok := m.(wire.Ack); ok && slices.Contains(ack.IDs, mid) {
				return true
			}
		}
		return false
	})
	if n := h.count(since, isRecord[wire.ContactAccept]) - before; n > 1 {
		t.Fatalf("200 repeated requests drew %d answers on one session", n)
	}
}
