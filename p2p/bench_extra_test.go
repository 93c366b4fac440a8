package p2p

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

// reportPercentiles adds p50 and p99 of one-op durations as metrics.
func reportPercentiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(d[len(d)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkBareNoiseRoundTrip is the latency floor: one 64-byte Text record
// in one encrypted frame from A to B over loopback TCP, and one Ack record
// back, with bare flynn/noise cipher states and no engine or storage.
func BenchmarkBareNoiseRoundTrip(b *testing.B) {
	text, _ := wire.Append(nil, wire.Text{SentAt: 1, Body: strings.Repeat("x", 64)})
	ack, _ := wire.Append(nil, wire.Ack{IDs: []crypto.MessageID{{1}}})
	c, fr, nr, done := bareNoisePair(b, func(c net.Conn, fr *frameReader, nr *noiseResult) error {
		var buf []byte
		for {
			ct, err := fr.ReadFrame(kindTransport)
			if err != nil {
				return nil // the client closed: done
			}
			if _, err := nr.recv.Decrypt(ct[:0], nil, ct); err != nil {
				return err
			}
			if buf, err = writeTransport(c, nr.send, buf, ack); err != nil {
				return err
			}
		}
	})
	var buf []byte
	var err error
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if buf, err = writeTransport(c, nr.send, buf, text); err != nil {
			b.Fatal(err)
		}
		ct, err := fr.ReadFrame(kindTransport)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := nr.recv.Decrypt(ct[:0], nil, ct); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	c.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	reportPercentiles(b, lat)
}

// BenchmarkSessionRoundTrip is the same round trip through two real
// engines (session goroutines, send queue, framing, limits), still with no
// persistence: A sends a Text, B answers with an Ack from its event loop.
func BenchmarkSessionRoundTrip(b *testing.B) {
	lim := fastLimits()
	lim.FrameRate, lim.FrameBurst = 1e9, 1e9
	a := startNode(b, nil, "", lim, nil)
	c := startNode(b, nil, "", lim, nil)
	a.e.Connect(c.target(), testHolder)
	waitFor(b, a, 5*time.Second, "PeerUp", isUp(c.id.ID()))
	waitFor(b, c, 5*time.Second, "PeerUp", isUp(a.id.ID()))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	echoed := make(chan struct{})
	go func() { // B acks every Text
		defer close(echoed)
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-c.e.Events():
				r, ok := ev.(Received)
				if !ok {
					continue
				}
				for _, m := range r.Msgs {
					if t, ok := m.(wire.Text); ok {
						c.e.Send(ctx, a.id.ID(), wire.Ack{IDs: []crypto.MessageID{t.ID}})
					}
				}
			}
		}
	}()
	msg := wire.Text{SentAt: 1, Body: strings.Repeat("x", 64)}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		msg.ID[0], msg.ID[1], msg.ID[2] = byte(i), byte(i>>8), byte(i>>16)
		t0 := time.Now()
		if err := a.e.Send(ctx, c.id.ID(), msg); err != nil {
			b.Fatal(err)
		}
		waitFor(b, a, 5*time.Second, "Ack", func(ev Event) bool {
			r, ok := ev.(Received)
			return ok && len(r.Msgs) > 0
		})
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	cancel()
	<-echoed
	reportPercentiles(b, lat)
}
