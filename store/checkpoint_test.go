package store

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestBackgroundCheckpointMovesTheWALIntoTheDatabase(t *testing.T) {
	s, path := newAccount(t)
	ctx := context.Background()
	var auto int
	if err := s.w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Fatalf("writer checkpoints inline every %d pages; the background checkpointer should do it", auto)
	}
	before := fileSize(t, path)
	c := putContact(t, s, "Ada")
	// Far below the 1000 pages at which SQLite would checkpoint by itself.
	if _, err := s.AddIncoming(ctx, messages(t, c.ID, 2000, func(int) string { return strings.Repeat("m", 100) })); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, path) < before+200<<10 {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: nothing was checkpointed", fileSize(t, path))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
