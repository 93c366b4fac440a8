package store

import (
	"context"
	"testing"
)

// The relaxed transactions must hand the writer back with full
// durability, or the next message would be acked before it is on disk.
func TestRelaxedWritesRestoreFullSync(t *testing.T) {
	s, _ := newAccount(t)
	ctx := context.Background()
	c := putContact(t, s, "Ada")
	msgs := messages(t, c.ID, 3, func(int) string { return "x" })
	for i := range msgs {
		msgs[i].Outgoing = true
	}
	if err := s.AddOutgoing(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AdvanceStates(ctx, c.ID, ids(msgs), StateDelivered); err != nil {
		t.Fatal(err)
	}
	var level int
	if err := s.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&level); err != nil {
		t.Fatal(err)
	}
	if level != 2 { // FULL
		t.Fatalf("writer left at synchronous=%d after a relaxed write, want 2 (FULL)", level)
	}
	if n, _ := outboxCount(ctx, s, c.ID); n != 0 {
		t.Fatalf("outbox holds %d after delivery", n)
	}
}
