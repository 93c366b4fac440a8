package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestContactRoundTripsEveryField(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	c := newContact(t, "Grace Hopper", time.UnixMilli(1_700_000_123_456))
	c.Verified = true
	c.State = ContactPendingIn
	if err := s.PutContact(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.Contact(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalise(got), normalise(c)) {
		t.Fatalf("Contact = %+v\nwant      %+v", got, c)
	}

	c.Label, c.Addrs, c.State, c.Verified = "Amazing Grace", nil, ContactAccepted, false
	if err := s.PutContact(ctx, c); err != nil {
		t.Fatalf("PutContact (update): %v", err)
	}
	got, err = s.Contact(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalise(got), normalise(c)) {
		t.Fatalf("after update Contact = %+v\nwant      %+v", got, c)
	}

	// A row from before migration 11 has no label: its name is shown.
	if _, err := s.w.Exec(`UPDATE contacts SET label = NULL`); err != nil {
		t.Fatal(err)
	}
	if got, err = s.Contact(ctx, c.ID); err != nil || got.Label != "" || got.Name != "Grace Hopper" {
		t.Fatalf("without a label Contact = %+v, %v", got, err)
	}
}

// normalise makes times comparable with DeepEqual (the store keeps milliseconds, local zone).
func normalise(c Contact) Contact {
	c.CreatedAt = time.UnixMilli(c.CreatedAt.UnixMilli()).UTC()
	c.LastActivity = time.UnixMilli(c.LastActivity.UnixMilli()).UTC()
	return c
}

func TestPutContactRejectsBadInput(t *testing.T) {
	s, _ := newAccount(t)
	good := newContact(t, "x", time.Now())
	other := newContact(t, "y", time.Now())
	tests := []struct {
		name string
		edit func(c *Contact)
	}{
		{"id that is not derived from the keys", func(c *Contact) { c.ID = other.ID }},
		{"zero id", func(c *Contact) { c.ID = [20]byte{} }},
		{"zero state", func(c *Contact) { c.State = 0 }},
		{"unknown state", func(c *Contact) { c.State = 9 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			if err := s.PutContact(context.Background(), c); !errors.Is(err, ErrInvalid) {
				t.Fatalf("PutContact: %v, want ErrInvalid", err)
			}
		})
	}
}

func TestContactsAreOrderedByLastActivity(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	base := time.UnixMilli(1_700_000_000_000)
	a := newContact(t, "a", base.Add(1*time.Hour))
	b := newContact(t, "b", base.Add(3*time.Hour))
	c := newContact(t, "c", base.Add(2*time.Hour))
	for _, x := range []Contact{a, b, c} {
		if err := s.PutContact(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	assertOrder(t, s, "b", "c", "a")

	if err := s.TouchContact(ctx, a.ID, base.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	assertOrder(t, s, "a", "b", "c")

	// Activity never moves backwards.
	if err := s.TouchContact(ctx, a.ID, base); err != nil {
		t.Fatal(err)
	}
	assertOrder(t, s, "a", "b", "c")
}

func assertOrder(t *testing.T, s *Store, want ...string) {
	t.Helper()
	cs, err := s.Contacts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Contacts order = %v, want %v", got, want)
	}
}

func TestDeleteContactRemovesItsMessagesAndOutbox(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	gone := putContact(t, s, "gone")
	kept := putContact(t, s, "kept")
	for _, c := range []Contact{gone, kept} {
		if err := s.AddOutgoing(ctx, messages(t, c.ID, 2, func(int) string { return "out" })); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddIncoming(ctx, messages(t, c.ID, 3, func(int) string { return "in" })); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteContact(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Contact(ctx, gone.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Contact after delete: %v, want ErrNotFound", err)
	}
	var msgs int
	s.r.QueryRow(`SELECT count(*) FROM messages WHERE contact = ?`, gone.ID.String()).Scan(&msgs)
	outbox, _ := outboxCount(ctx, s, gone.ID)
	if msgs != 0 || outbox != 0 {
		t.Fatalf("after delete: %d messages, %d in the outbox left", msgs, outbox)
	}
	if h, err := s.History(ctx, ContactChat(kept.ID), 0, 10); err != nil || len(h) != 5 {
		t.Fatalf("other contact's history: %d, %v", len(h), err)
	}
	if n, err := outboxCount(ctx, s, kept.ID); err != nil || n != 2 {
		t.Fatalf("other contact's outbox: %d, %v", n, err)
	}
}

func TestMissingContactIsNotFound(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	id := newIdentity(t).ID()
	for name, err := range map[string]error{
		"Contact":       func() error { _, err := s.Contact(ctx, id); return err }(),
		"DeleteContact": s.DeleteContact(ctx, id),
		"TouchContact":  s.TouchContact(ctx, id, time.Now()),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
}

// The headless protocol prints these names; a rename breaks its clients.
func TestStatesNameThemselvesAsTheHeadlessProtocolDoes(t *testing.T) {
	for _, tc := range []struct {
		s    fmt.Stringer
		want string
	}{
		{ContactPendingOut, "pending_out"}, {ContactPendingIn, "pending_in"}, {ContactAccepted, "accepted"},
		{ContactState(0), "unknown"},
		{GroupInvited, "invited"}, {GroupActive, "active"}, {GroupLeft, "left"}, {GroupState(9), "unknown"},
		{StateQueued, "queued"}, {StateSent, "sent"}, {StateDelivered, "delivered"}, {StateRead, "read"},
		{StateFailed, "failed"}, {StateUnread, "unread"}, {StateSeen, "seen"}, {MessageState(9), "state(9)"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%T %d names itself %q, want %q", tc.s, tc.s, got, tc.want)
		}
	}
}
