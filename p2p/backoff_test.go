package p2p

import (
	"slices"
	"testing"
	"time"
)

// failUntilCapped fails addr in b at the scheduled times until its delay
// stops growing, and returns the last delay.
func failUntilCapped(b *addrBook, addr string, now time.Time) (time.Duration, time.Time) {
	var last time.Duration
	for range 64 {
		b.failed(addr, now)
		d := b.addrs[addr].next.Sub(now)
		if d == last {
			break
		}
		last, now = d, now.Add(d)
	}
	return last, now
}

func TestAnAddressThatNeverAnsweredBacksOffToHours(t *testing.T) {
	lim := Limits{}.withDefaults()
	b := newAddrBook(lim, func() float64 { return 0.5 }) // no jitter
	now := time.Unix(1_000_000, 0)
	if got := b.due([]string{"dead", "alive"}, now); !slices.Equal(got, []string{"dead", "alive"}) {
		t.Fatalf("new addresses due: %v", got)
	}
	capNever, _ := failUntilCapped(b, "dead", now)
	if capNever != 6*time.Hour {
		t.Fatalf("never-answered address capped at %v, want 6 h", capNever)
	}
	b.worked("alive")
	capWorked, later := failUntilCapped(b, "alive", now)
	later = later.Add(capWorked)
	if capWorked != 5*time.Minute {
		t.Fatalf("address that worked capped at %v, want 5 min", capWorked)
	}
	// Only the address that worked comes back early; then only it is due.
	if got := b.due([]string{"dead", "alive"}, later); !slices.Equal(got, []string{"alive"}) {
		t.Fatalf("due after the caps: %v", got)
	}
	// A wake-up (new addresses, an inbound session) brings back only
	// addresses that worked: re-announcing a dead one buys no retries.
	b.failed("alive", later)
	b.wake()
	if got := b.due([]string{"dead", "alive"}, later); !slices.Equal(got, []string{"alive"}) {
		t.Fatalf("due after wake: %v", got)
	}
	if w := b.wait([]string{"dead"}, later); w <= 0 || w > 6*time.Hour {
		t.Fatalf("wait for the dead address: %v", w)
	}
}

func TestTheAddressBookForgetsUnlistedAddressesPastItsBound(t *testing.T) {
	b := newAddrBook(Limits{}.withDefaults(), func() float64 { return 0.5 })
	now := time.Unix(0, 0)
	for i := range maxBookEntries + 10 {
		b.failed(string(rune('A'+i)), now)
	}
	b.due([]string{"keep"}, now)
	if len(b.addrs) > maxBookEntries {
		t.Fatalf("%d entries after pruning", len(b.addrs))
	}
}
