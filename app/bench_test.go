package app

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"jarvis/crypto"
)

// benchCore is a started core whose events go to a callback.
type benchCore struct {
	core    *Core
	account *Account
	pumped  chan struct{}
}

func startBenchCore(b *testing.B, name string, on func(Event)) *benchCore {
	b.Helper()
	acc, err := OpenAccount(AccountConfig{Path: filepath.Join(b.TempDir(), "jarvis.db"), KDF: testKDF})
	if err != nil {
		b.Fatal(err)
	}
	if err := acc.Create(context.Background(), name, []byte("pass "+name)); err != nil {
		b.Fatal(err)
	}
	core, err := NewCore(Config{Account: acc, Listen: "127.0.0.1:0", Limits: fastLimits, Tor: TorConfig{Mode: TorOff}})
	if err != nil {
		b.Fatal(err)
	}
	n := &benchCore{core: core, account: acc, pumped: make(chan struct{})}
	core.Start()
	go func() {
		defer close(n.pumped)
		for ev := range core.Events() {
			on(ev)
		}
	}()
	b.Cleanup(func() {
		core.Close()
		<-n.pumped
		acc.Close()
	})
	return n
}

// BenchmarkCoreThroughput is the 1:1 path without processes or JSON: two
// cores in one process over loopback; one op is one 64-byte message stored
// by B and acked back to A (A sees MessageStatus delivered). Run it with
// -cpuprofile to see where the headless throughput goes.
func BenchmarkCoreThroughput(b *testing.B) {
	a, to, delivered := benchPair(b)
	ctx := context.Background()
	text := strings.Repeat("x", 64)
	b.SetBytes(64)
	b.ResetTimer()
	errc := make(chan error, 1)
	go func() {
		for range b.N {
			if _, err := a.core.SendAsync(ctx, ContactChat(to), text); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for i := 0; i < b.N; i++ {
		select {
		case <-delivered:
		case err := <-errc:
			if err != nil {
				b.Fatal(err)
			}
			i--
		case <-time.After(60 * time.Second):
			b.Fatalf("stalled after %d of %d delivered", i, b.N)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkCoreRoundTrip is one message at a time through two cores in one
// process: Send until A sees it delivered, so three durable transactions
// (A's outbox, B's inbox, A's delivered state) plus A's "sent" update.
func BenchmarkCoreRoundTrip(b *testing.B) {
	a, to, delivered := benchPair(b)
	ctx := context.Background()
	text := strings.Repeat("x", 64)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := a.core.Send(ctx, ContactChat(to), text); err != nil {
			b.Fatal(err)
		}
		select {
		case <-delivered:
		case <-time.After(20 * time.Second):
			b.Fatal("no delivery")
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

// benchPair starts two befriended cores, A and B; delivered ticks once per
// message of A's that B acked.
func benchPair(b *testing.B) (a *benchCore, to crypto.ID, delivered chan struct{}) {
	b.Helper()
	delivered = make(chan struct{}, 1<<16)
	requests := make(chan ContactRequest, 1)
	added := make(chan struct{}, 2)
	online := make(chan struct{}, 2)
	a = startBenchCore(b, "A", func(ev Event) {
		switch ev := ev.(type) {
		case MessageStatus:
			if ev.State == StateDelivered {
				delivered <- struct{}{}
			}
		case ContactAdded:
			added <- struct{}{}
		case PeerStatus:
			if ev.Online {
				online <- struct{}{}
			}
		}
	})
	c := startBenchCore(b, "B", func(ev Event) {
		if r, ok := ev.(ContactRequest); ok {
			requests <- r
		}
	})
	ctx := context.Background()
	if _, err := a.core.AddContact(ctx, c.core.Self().Code); err != nil {
		b.Fatal(err)
	}
	wait := func(ch <-chan struct{}, what string) {
		select {
		case <-ch:
		case <-time.After(20 * time.Second):
			b.Fatalf("timed out waiting for %s", what)
		}
	}
	select {
	case r := <-requests:
		if err := c.core.Accept(ctx, r.Contact.ID); err != nil {
			b.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		b.Fatal("timed out waiting for the contact request")
	}
	wait(added, "contact added")
	wait(online, "peer online")
	return a, c.core.Self().ID, delivered
}
