package store

import (
	"context"
	"strings"
	"testing"
)

var text64 = strings.Repeat("x", 64)

// BenchmarkAddIncoming stores batches of 256 messages of 64 bytes, one durable transaction each.
func BenchmarkAddIncoming(b *testing.B) {
	ctx := context.Background()
	s, _ := newAccount(b)
	c := putContact(b, s, "bench")
	batches := make([][]Message, b.N)
	for i := range batches {
		batches[i] = messages(b, c.ID, 256, func(int) string { return text64 })
	}
	b.SetBytes(256 * 64)
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.AddIncoming(ctx, batches[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*256), "ns/msg")
}

// BenchmarkHistoryPage reads the newest 100 of 100,000 messages.
func BenchmarkHistoryPage(b *testing.B) {
	ctx := context.Background()
	s, _ := newAccount(b)
	c := putContact(b, s, "bench")
	other := putContact(b, s, "other")
	for range 10 {
		for _, id := range []Contact{c, other} {
			if _, err := s.AddIncoming(ctx, messages(b, id.ID, 10_000, func(int) string { return text64 })); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for range b.N {
		page, err := s.History(ctx, ContactChat(c.ID), 0, 100)
		if err != nil || len(page) != 100 {
			b.Fatalf("History: %d, %v", len(page), err)
		}
	}
}
