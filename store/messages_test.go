package store

import (
	"context"
	"errors"
	"jarvis/crypto"
	"reflect"
	"testing"
	"time"
)

func TestOutgoingMessagesGoThroughTheOutboxUntilAcked(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	c := putContact(t, s, "peer")
	other := putContact(t, s, "other")
	msgs := messages(t, c.ID, 4, func(i int) string { return string(rune('a' + i)) })
	if err := s.AddOutgoing(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	if err := s.AddOutgoing(ctx, messages(t, other.ID, 1, func(int) string { return "z" })); err != nil {
		t.Fatal(err)
	}
	out, err := s.Outbox(ctx, c.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids(out), ids(msgs)) {
		t.Fatalf("Outbox IDs not in sending order")
	}
	for i, m := range out {
		if !m.Outgoing || m.State != StateQueued || m.Text != msgs[i].Text || m.Contact != c.ID || m.StoredAt.IsZero() {
			t.Fatalf("outbox[%d] = %+v", i, m)
		}
	}
	// Paging the outbox by Seq.
	page, err := s.Outbox(ctx, c.ID, out[1].Seq, 1)
	if err != nil || len(page) != 1 || page[0].ID != msgs[2].ID {
		t.Fatalf("Outbox(after %d, 1) = %v, %v", out[1].Seq, page, err)
	}

	steps := []struct {
		name        string
		ids         []crypto.MessageID
		to          MessageState
		wantChanged []crypto.MessageID
		wantOutbox  int
	}{
		{"sent keeps the outbox row", ids(msgs[:3]), StateSent, ids(msgs[:3]), 4},
		{"sent again changes nothing", ids(msgs[:1]), StateSent, nil, 4},
		{"delivered retires", ids(msgs[:2]), StateDelivered, ids(msgs[:2]), 2},
		{"delivered never moves back to sent", ids(msgs[:1]), StateSent, nil, 2},
		{"read after delivered", ids(msgs[:1]), StateRead, ids(msgs[:1]), 2},
		{"read never moves back to delivered", ids(msgs[:1]), StateDelivered, nil, 2},
		{"failed from sent retires", ids(msgs[2:3]), StateFailed, ids(msgs[2:3]), 1},
		{"failed never follows delivered", ids(msgs[1:2]), StateFailed, nil, 1},
		{"late ack after failure proves delivery", ids(msgs[2:3]), StateDelivered, ids(msgs[2:3]), 1},
		{"queued straight to read retires", ids(msgs[3:]), StateRead, ids(msgs[3:]), 0},
		{"unknown ids are skipped", []crypto.MessageID{newMessageID(t)}, StateRead, nil, 0},
	}
	for _, st := range steps {
		changed, err := s.AdvanceStates(ctx, c.ID, st.ids, st.to)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if !reflect.DeepEqual(changed, st.wantChanged) {
			t.Fatalf("%s: changed %d IDs, want %d", st.name, len(changed), len(st.wantChanged))
		}
		if n, err := outboxCount(ctx, s, c.ID); err != nil || n != st.wantOutbox {
			t.Fatalf("%s: outboxCount = %d, %v; want %d", st.name, n, err, st.wantOutbox)
		}
	}
	h, err := s.History(ctx, ContactChat(c.ID), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []MessageState{StateRead, StateDelivered, StateDelivered, StateRead}
	for i, m := range h {
		if m.State != want[i] {
			t.Errorf("message %d state = %s, want %s", i, m.State, want[i])
		}
		// Every one was delivered (a read receipt proves it too); only the
		// read ones have a read time, never before their delivery.
		read := m.State == StateRead
		if m.DeliveredAt.IsZero() || m.ReadAt.IsZero() != !read || read && m.ReadAt.Before(m.DeliveredAt) {
			t.Errorf("message %d (%s): delivered at %v, read at %v", i, m.State, m.DeliveredAt, m.ReadAt)
		}
	}
	if n, _ := outboxCount(ctx, s, other.ID); n != 1 {
		t.Fatalf("other contact's outbox = %d, want 1 (untouched)", n)
	}
}

func TestAdvanceStatesTouchesOnlyThatContactsOutgoingMessages(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	a := putContact(t, s, "a")
	b := putContact(t, s, "b")
	in := messages(t, a.ID, 1, func(int) string { return "in" })
	if _, err := s.AddIncoming(ctx, in); err != nil {
		t.Fatal(err)
	}
	outB := messages(t, b.ID, 1, func(int) string { return "out" })
	if err := s.AddOutgoing(ctx, outB); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		contact Contact
		ids     []crypto.MessageID
	}{
		{"an incoming message", a, ids(in)},
		{"another contact's message", a, ids(outB)},
	} {
		changed, err := s.AdvanceStates(ctx, tc.contact.ID, tc.ids, StateRead)
		if err != nil || len(changed) != 0 {
			t.Fatalf("%s: changed %d, %v", tc.name, len(changed), err)
		}
	}
	if _, err := s.AdvanceStates(ctx, a.ID, ids(in), StateSeen); !errors.Is(err, ErrInvalid) {
		t.Fatalf("AdvanceStates to an incoming state: %v, want ErrInvalid", err)
	}
}

func TestAddIncomingDeduplicates(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	a := putContact(t, s, "a")
	b := putContact(t, s, "b")
	first := messages(t, a.ID, 3, func(i int) string { return "first" })
	got, err := s.AddIncoming(ctx, first)
	if err != nil || !reflect.DeepEqual(got, []bool{true, true, true}) {
		t.Fatalf("AddIncoming = %v, %v", got, err)
	}

	replay := first[1]
	replay.Text = "replayed with other text"
	sameIDOtherContact := first[2]
	sameIDOtherContact.Contact = b.ID
	fresh := messages(t, a.ID, 1, func(int) string { return "fresh" })[0]
	batch := []Message{replay, fresh, sameIDOtherContact, fresh}
	got, err = s.AddIncoming(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{false, true, true, false}; !reflect.DeepEqual(got, want) {
		t.Fatalf("AddIncoming inserted = %v, want %v", got, want)
	}
	h, err := s.History(ctx, ContactChat(a.ID), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 4 || h[1].Text != "first" {
		t.Fatalf("history has %d messages; a duplicate replaced or added a message", len(h))
	}
	for _, m := range h {
		if m.Outgoing || m.State != StateUnread {
			t.Fatalf("incoming message stored as %+v", m)
		}
	}
}

func TestAddIncomingIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	a := putContact(t, s, "a")
	stranger := newIdentity(t).ID()
	batch := append(messages(t, a.ID, 2, func(int) string { return "ok" }),
		messages(t, stranger, 1, func(int) string { return "from nowhere" })...)
	if _, err := s.AddIncoming(ctx, batch); err == nil {
		t.Fatal("AddIncoming for an unknown contact succeeded")
	}
	if err := s.AddOutgoing(ctx, batch); err == nil {
		t.Fatal("AddOutgoing to an unknown contact succeeded")
	}
	if h, _ := s.History(ctx, ContactChat(a.ID), 0, 10); len(h) != 0 {
		t.Fatalf("a failed batch left %d messages behind", len(h))
	}
}

func TestAddRejectsStatesOfTheOtherDirection(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	a := putContact(t, s, "a")
	m := messages(t, a.ID, 1, func(int) string { return "x" })
	m[0].State = StateQueued
	if _, err := s.AddIncoming(ctx, m); !errors.Is(err, ErrInvalid) {
		t.Fatalf("AddIncoming(queued): %v, want ErrInvalid", err)
	}
	m[0].State = StateUnread
	if err := s.AddOutgoing(ctx, m); !errors.Is(err, ErrInvalid) {
		t.Fatalf("AddOutgoing(unread): %v, want ErrInvalid", err)
	}
}

func TestMessageTimesRoundTripInMilliseconds(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	a := putContact(t, s, "a")
	sent := time.UnixMilli(1_712_345_678_901)
	stored := sent.Add(1500 * time.Millisecond)
	if _, err := s.AddIncoming(ctx, []Message{{ID: newMessageID(t), Contact: a.ID, Text: "t", SentAt: sent, StoredAt: stored}}); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx, ContactChat(a.ID), 0, 1)
	if err != nil || len(h) != 1 {
		t.Fatal(err)
	}
	if !h[0].SentAt.Equal(sent) || !h[0].StoredAt.Equal(stored) {
		t.Fatalf("times = %v, %v; want %v, %v", h[0].SentAt, h[0].StoredAt, sent, stored)
	}
	var raw int64
	s.r.QueryRow(`SELECT sent_at FROM messages`).Scan(&raw)
	if raw != sent.UnixMilli() {
		t.Fatalf("sent_at stored as %d, want unix ms %d", raw, sent.UnixMilli())
	}
}
