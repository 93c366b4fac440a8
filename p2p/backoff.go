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

// addrBook schedules redials per address. An address that has given us a
// session backs off to Limits.BackoffMax like before; one that never has
// (a stale roster entry, a peer's idea of where we should knock) backs
// off to Limits.BackoffNever, so we stop spraying connections at it.
type addrBook struct {
	min, max, never time.Duration
	rand            func() float64 // in [0, 1); injected so tests are deterministic
	addrs           map[string]*addrState
}

type addrState struct {
	worked bool      // a dial to it produced a session once
	fails  int       // failures since it last worked
	next   time.Time // not dialled before this
}

// maxBookEntries bounds the book; past it, addresses nobody lists are forgotten.
const maxBookEntries = 64

func newAddrBook(lim Limits, rand func() float64) *addrBook {
	return &addrBook{min: lim.BackoffMin, max: lim.BackoffMax, never: lim.BackoffNever, rand: rand, addrs: make(map[string]*addrState)}
}

func (b *addrBook) state(addr string) *addrState {
	st := b.addrs[addr]
	if st == nil {
		st = &addrState{}
		b.addrs[addr] = st
	}
	return st
}

// due returns the addresses of list that may be dialled at now, in order.
func (b *addrBook) due(list []string, now time.Time) []string {
	if len(b.addrs) > maxBookEntries {
		for a := range b.addrs {
			if !containsString(list, a) {
				delete(b.addrs, a)
			}
		}
	}
	var out []string
	for _, a := range list {
		if !b.state(a).next.After(now) {
			out = append(out, a)
		}
	}
	return out
}

// wait is how long until the first address of list is due; with no
// addresses, until someone gives us one (a wake-up), or BackoffNever.
func (b *addrBook) wait(list []string, now time.Time) time.Duration {
	if len(list) == 0 {
		return b.never
	}
	d := b.never
	for _, a := range list {
		d = min(d, max(0, b.state(a).next.Sub(now)))
	}
	return d
}

// turn is when list is next worth a dial, and how urgent that dial is: a
// retry when every address has failed since it last worked (or ever),
// fresh when one is new or has just worked (see dialClass).
func (b *addrBook) turn(list []string, now time.Time) (time.Time, dialClass) {
	class := classRetry
	for _, a := range list {
		if b.state(a).fails == 0 {
			class = classFresh
		}
	}
	return now.Add(b.wait(list, now)), class
}

// failed schedules addr's next attempt after a failed dial at now.
func (b *addrBook) failed(addr string, now time.Time) {
	st := b.state(addr)
	st.fails++
	st.next = now.Add(b.delay(st))
}

// delay is min·2^(fails-1), capped by max or never, times [0.8, 1.2).
func (b *addrBook) delay(st *addrState) time.Duration {
	limit := b.never
	if st.worked {
		limit = b.max
	}
	base := b.min
	for i := 1; i < st.fails && base < limit; i++ {
		base *= 2
	}
	base = min(base, limit)
	return time.Duration(float64(base) * (0.8 + 0.4*b.rand()))
}

// worked records that addr gave a session: it is due at once next time.
func (b *addrBook) worked(addr string) {
	st := b.state(addr)
	st.worked, st.fails, st.next = true, 0, time.Time{}
}

// wake makes every address that has worked due at once. Addresses that
// never worked keep their delay, so a peer cannot buy retries of them by
// re-announcing them.
func (b *addrBook) wake() {
	for _, st := range b.addrs {
		if st.worked {
			st.fails, st.next = 0, time.Time{}
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
