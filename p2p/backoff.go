package p2p

import "time"

// backoff yields jittered exponential redial delays: min, 2·min, 4·min, …
// capped at max, each scaled by a random factor in [0.8, 1.2).
type backoff struct {
	min, max time.Duration
	next     time.Duration
	rand     func() float64 // in [0, 1); injected so tests are deterministic
}

func newBackoff(minD, maxD time.Duration, rand func() float64) *backoff {
	return &backoff{min: minD, max: maxD, next: minD, rand: rand}
}

// Next returns the delay before the next attempt and doubles the base.
func (b *backoff) Next() time.Duration {
	base := b.next
	b.next = min(b.next*2, b.max)
	return time.Duration(float64(base) * (0.8 + 0.4*b.rand()))
}

// Reset starts the sequence again from min.
func (b *backoff) Reset() { b.next = b.min }
