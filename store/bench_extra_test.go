package store

import (
	"context"
	"jarvis/crypto"
	"testing"
)

// BenchmarkAdvanceDelivered marks 256 sent messages delivered in one
// transaction (one update each), as an Ack does.
func BenchmarkAdvanceDelivered(b *testing.B) {
	ctx := context.Background()
	s, _ := newAccount(b)
	c := putContact(b, s, "bench")
	batches := make([][]crypto.MessageID, b.N)
	for i := range batches {
		msgs := messages(b, c.ID, 256, func(int) string { return text64 })
		for j := range msgs {
			msgs[j].Outgoing, msgs[j].State = true, StateQueued
		}
		if err := s.AddOutgoing(ctx, msgs); err != nil {
			b.Fatal(err)
		}
		batches[i] = ids(msgs)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.AdvanceStates(ctx, c.ID, batches[i], StateDelivered); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*256), "ns/msg")
}
