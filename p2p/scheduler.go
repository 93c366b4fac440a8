package p2p

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// The scheduler decides when dialers may dial. Each dialer (one per peer
// someone holds) asks it for a turn and waits on a channel; the scheduler
// keeps every pending turn and one timer for them all, so a thousand
// offline contacts cost one goroutine waking a few times a minute, not a
// thousand timers each waking on its own. It also holds the ceilings: at
// most Limits.DialsPerMinute redials and Limits.FallbackDialsPerMinute
// fallback (onion) dials in any minute, and Limits.MaxFallbackDials onion
// dials at once.
//
// Pending turns are a plain slice scanned on each step rather than a heap:
// a scan of a few thousand entries takes microseconds, a step runs on a
// wake-up or for a turn due at once (a few a minute, at most one per
// dial), and the slice needs no index bookkeeping to withdraw a turn
// whose dialer was woken or stopped.

// dialKind is what a turn pays for.
type dialKind uint8

const (
	kindPeer     dialKind = iota // one redial of a peer: a race over its due addresses
	kindFallback                 // one dial of a fallback address, within such a race
	numKinds
)

// dialClass orders turns that are due together. A fresh turn (a new peer
// or address, a wake-up, the first redial of an address that has just
// worked) is likely to succeed and is what a user waits for; a retry
// (every address has failed since it last worked, or ever) is background
// work. Fresh turns go first, newest first: a user who adds a contact
// while a thousand others are queued should not wait behind them. Retries
// go oldest first and may not spend the last few tokens (see reserve),
// so a fresh turn finds one soon however long the backlog of retries.
type dialClass uint8

const (
	classFresh dialClass = iota
	classRetry
)

// turn is one dialer's request for a dial.
type turn struct {
	due     time.Time // not granted before this
	asked   time.Time // when the dialer asked
	kind    dialKind
	class   dialClass
	seq     uint64        // order of asking
	granted bool          // guarded by scheduler.mu
	done    bool          // finished; guarded by scheduler.mu
	c       chan struct{} // closed when granted
}

type scheduler struct {
	now   func() time.Time // time.Now, or a test's clock
	epoch time.Time        // the grid's origin (see coalesce)
	poke  chan struct{}    // cap 1: the next wake-up moved earlier

	mu          sync.Mutex
	pending     []*turn // not granted yet, in no order
	budget      [numKinds]*tokenBucket
	reserve     [numKinds]float64 // tokens a retry must leave for fresh turns
	inflight    int               // granted fallback dials not finished yet
	maxInflight int
	seq         uint64
	armed       time.Time      // when the run loop will wake; zero: not at all
	next        time.Time      // when the last step wants to wake; zero: never
	blocked     [numKinds]bool // at the last step, due retries of a kind had to wait
}

func newScheduler(lim Limits, now func() time.Time) *scheduler {
	s := &scheduler{now: now, epoch: now(), poke: make(chan struct{}, 1), maxInflight: lim.MaxFallbackDials}
	s.budget[kindPeer], s.reserve[kindPeer] = newCeiling(lim.DialsPerMinute, now())
	s.budget[kindFallback], s.reserve[kindFallback] = newCeiling(lim.FallbackDialsPerMinute, now())
	return s
}

// newCeiling is a token bucket that grants at most perMin in any minute:
// its burst b plus what it refills in a minute, perMin-b. A burst of a
// quarter lets a few turns go at once after a quiet spell while keeping
// the rate smooth; half the burst is kept for fresh turns.
func newCeiling(perMin int, now time.Time) (*tokenBucket, float64) {
	burst := max(1, perMin/4)
	return newTokenBucket(float64(perMin-burst)/60, burst, now), float64(burst / 2)
}

// request asks for a turn of kind at or after at. The caller waits on
// t.c and must call finish(t) unless it got the turn and it is a peer
// turn, which needs no finishing.
func (s *scheduler) request(at time.Time, kind dialKind, class dialClass) *turn {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.seq++
	t := &turn{due: coalesce(at, now, s.epoch), asked: now, kind: kind, class: class, seq: s.seq, c: make(chan struct{})}
	s.pending = append(s.pending, t)
	if !t.due.After(now) {
		s.stepLocked(now)
		return t
	}
	// Most turns are asked for ahead of time, and such a turn cannot let
	// anything through now: it only needs a wake-up when it falls due, and
	// not even that behind blocked retries (see nextLocked).
	if class == classRetry && s.blocked[kind] {
		return t
	}
	if s.next.IsZero() || t.due.Before(s.next) {
		s.next = t.due
		s.rearmLocked()
	}
	return t
}

// finish forgets t: a pending turn is withdrawn (its dialer was woken or
// stopped); a granted fallback dial leaves the count in flight. The
// token of a granted turn stays spent.
func (s *scheduler) finish(t *turn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.done {
		return
	}
	t.done = true
	if !t.granted {
		s.pending = slices.DeleteFunc(s.pending, func(p *turn) bool { return p == t })
		return
	}
	if t.kind == kindFallback {
		s.inflight--
		s.stepLocked(s.now())
	}
}

// run is the scheduler's one goroutine: it wakes when the earliest turn
// falls due or the budget has refilled for the waiting ones. The engine
// runs it until ctx ends.
func (s *scheduler) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		s.mu.Lock()
		now := s.now()
		s.stepLocked(now)
		next := s.next
		s.armed = next
		s.mu.Unlock()
		timer.Stop()
		if !next.IsZero() {
			timer.Reset(next.Sub(now))
		}
		select {
		case <-timer.C:
		case <-s.poke:
		case <-ctx.Done():
			return
		}
	}
}

// stepLocked grants every due turn the budget allows, best first, and
// works out when to wake next. Each grant scans the pending turns for the
// best one rather than sorting them all: a step grants a handful at most,
// and when the best due turn of a kind may not go, no worse one may either.
func (s *scheduler) stepLocked(now time.Time) {
	for k := range numKinds {
		for {
			t := s.bestDueLocked(k, now)
			if t == nil || !s.allowLocked(t, now) {
				break
			}
			t.granted = true
			close(t.c)
		}
	}
	s.pending = slices.DeleteFunc(s.pending, func(t *turn) bool { return t.granted })
	s.next = s.nextLocked(now)
	s.rearmLocked()
}

// rearmLocked tells the run loop when next has moved before its timer.
func (s *scheduler) rearmLocked() {
	if !s.next.IsZero() && (s.armed.IsZero() || s.next.Before(s.armed)) {
		poke(s.poke)
	}
}

// bestDueLocked is the pending turn of kind due by now that goes first.
func (s *scheduler) bestDueLocked(kind dialKind, now time.Time) *turn {
	var best *turn
	for _, t := range s.pending {
		if t.kind == kind && !t.granted && !t.due.After(now) && (best == nil || byPriority(t, best) < 0) {
			best = t
		}
	}
	return best
}

func byPriority(a, b *turn) int {
	if a.class != b.class {
		return cmp.Compare(a.class, b.class)
	}
	if a.class == classFresh {
		return cmp.Compare(b.seq, a.seq)
	}
	return cmp.Or(a.due.Compare(b.due), cmp.Compare(a.seq, b.seq))
}

// allowLocked spends t's token if its budget allows it now.
func (s *scheduler) allowLocked(t *turn, now time.Time) bool {
	if t.kind == kindFallback && s.inflight >= s.maxInflight {
		return false
	}
	keep := 0.0
	if t.class == classRetry {
		keep = s.reserve[t.kind]
	}
	if !s.budget[t.kind].take(now, keep) {
		return false
	}
	if t.kind == kindFallback {
		s.inflight++
	}
	return true
}

// nextLocked is when a step could next grant something: the earliest
// pending due time, or when the budget of a blocked turn has refilled
// (see needLocked). While retries of a kind are blocked, later retries of
// that kind cannot overtake them and wake nothing. A fallback dial held
// up by the in-flight cap waits for a finish, which steps.
func (s *scheduler) nextLocked(now time.Time) time.Time {
	var next time.Time
	earliest := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for k, n := range s.needLocked(now) {
		if n > 0 {
			earliest(s.budget[k].when(n))
		}
	}
	for _, t := range s.pending {
		if t.due.After(now) && (t.class != classRetry || !s.blocked[t.kind]) {
			earliest(t.due)
		}
	}
	return next
}

// needLocked is, for each kind, how many tokens its blocked due turns wait
// for, 0 if none is blocked; it also notes in s.blocked which kinds have
// blocked retries. A fresh turn asked for within the time the bucket takes
// to fill waits for its single token: someone is likely waiting for it.
// Any other turn waits until the bucket is full again, so a backlog (a
// thousand contacts loaded at start, or offline) is granted in batches, a
// few wake-ups a minute.
func (s *scheduler) needLocked(now time.Time) [numKinds]float64 {
	var need [numKinds]float64
	s.blocked = [numKinds]bool{}
	for _, t := range s.pending {
		if t.due.After(now) {
			continue
		}
		if t.class == classRetry {
			s.blocked[t.kind] = true
		}
		if t.kind == kindFallback && s.inflight >= s.maxInflight {
			continue
		}
		b := s.budget[t.kind]
		n := b.burst
		if t.class == classFresh && now.Sub(t.asked).Seconds() < b.burst/b.rate {
			n = 1
		}
		if need[t.kind] == 0 || n < need[t.kind] {
			need[t.kind] = n
		}
	}
	return need
}

// coalesce rounds at up onto a grid of a power of two milliseconds no
// coarser than an eighth of the wait, so turns due at nearly the same
// time share one wake-up, and a long wait (hours, for an address that
// never answered) falls into a slot tens of minutes wide. The grids nest,
// so a slot of a coarse grid is a slot of every finer one too. The delay
// this adds is within the backoff's own jitter. The grid starts at epoch,
// a reading of the monotonic clock, so a wall clock set back an hour does
// not push every turn an hour away.
func coalesce(at, now, epoch time.Time) time.Time {
	wait := at.Sub(now)
	if wait <= 0 {
		return at
	}
	g := time.Millisecond
	for g*2 <= wait/8 {
		g *= 2
	}
	off := at.Sub(epoch)
	r := off.Truncate(g)
	if r < off {
		r += g
	}
	return epoch.Add(r)
}
