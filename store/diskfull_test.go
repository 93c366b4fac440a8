package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestFullDiskFailsCleanlyAndKeepsEarlierData(t *testing.T) {
	s, _ := newAccount(t)
	ctx := context.Background()
	c := putContact(t, s, "Ada")
	first := messages(t, c.ID, 10, func(i int) string { return fmt.Sprint("kept ", i) })
	if _, err := s.AddIncoming(ctx, first); err != nil {
		t.Fatal(err)
	}
	// Cap the database at its current size: the next growth is SQLITE_FULL,
	// exactly as when the filesystem runs out of space.
	var pages int
	if err := s.w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	big := messages(t, c.ID, 500, func(i int) string { return strings.Repeat("x", 2000) })
	_, err := s.AddIncoming(ctx, big)
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("err = %v, want ErrDiskFull", err)
	}
	hist, err := s.History(ctx, ContactChat(c.ID), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != len(first) || hist[0].Text != "kept 0" {
		t.Fatalf("after a full disk the history holds %d messages, want the %d written before", len(hist), len(first))
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddIncoming(ctx, big[:5]); err != nil {
		t.Fatalf("write after space returned: %v", err)
	}
}
