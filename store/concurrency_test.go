package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentReadersAndWriters hammers the single writer and the read pool
// at once: no SQLITE_BUSY, no lost batch, and readers only see whole batches.
func TestConcurrentReadersAndWriters(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	c := putContact(t, s, "a")
	const writers, batches, batchSize = 4, 10, 50

	var wg sync.WaitGroup
	errs := make(chan error, writers*2)
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for b := range batches {
				msgs := messages(t, c.ID, batchSize, func(i int) string { return fmt.Sprintf("%d-%d-%d", w, b, i) })
				var err error
				if w%2 == 0 {
					_, err = s.AddIncoming(ctx, msgs)
				} else {
					err = s.AddOutgoing(ctx, msgs)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range batches * 2 {
				var n int
				if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&n); err != nil {
					errs <- err
					return
				}
				if n%batchSize != 0 {
					errs <- fmt.Errorf("reader saw %d messages: a partial batch", n)
					return
				}
				if _, err := s.History(ctx, ContactChat(c.ID), 0, 100); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var total int
	if err := s.r.QueryRow(`SELECT count(*) FROM messages`).Scan(&total); err != nil || total != writers*batches*batchSize {
		t.Fatalf("%d messages stored, %v; want %d", total, err, writers*batches*batchSize)
	}
	if n, err := outboxCount(ctx, s, c.ID); err != nil || n != writers/2*batches*batchSize {
		t.Fatalf("outboxCount = %d, %v", n, err)
	}
}
