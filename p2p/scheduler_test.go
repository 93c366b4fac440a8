package p2p

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a test's time for a scheduler that no run loop drives:
// the test plays the loop, jumping to each wake-up the scheduler asks for.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// timedWake is what the run loop does when its timer fires.
func (s *scheduler) timedWake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stepLocked(s.now())
}

func (s *scheduler) nextWake() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next
}

func granted(t *turn) bool {
	select {
	case <-t.c:
		return true
	default:
		return false
	}
}

// simPeer is an offline peer in a simulated dialer: one address that
// refuses every dial.
type simPeer struct {
	addr string
	book *addrBook
	turn *turn
}

// ask requests the peer's next turn, as dialLoop does.
func (p *simPeer) ask(s *scheduler, now time.Time) {
	at, class := p.book.turn([]string{p.addr}, now)
	p.turn = s.request(at, kindPeer, class)
}

// simulate runs peers against s for d of fake time: every granted turn is
// a dial that fails at once. It returns the time of every dial and of
// every timed wake-up.
func simulate(t *testing.T, s *scheduler, clock *fakeClock, peers []*simPeer, d time.Duration) (dials, wakes []time.Time) {
	t.Helper()
	end := clock.t.Add(d)
	for {
		for again := true; again; {
			again = false
			for _, p := range peers {
				if !granted(p.turn) {
					continue
				}
				if due := p.book.due([]string{p.addr}, clock.t); len(due) > 0 {
					dials = append(dials, clock.t)
					p.book.failed(p.addr, clock.t)
				}
				p.ask(s, clock.t)
				again = true
			}
		}
		next := s.nextWake()
		if !next.After(clock.t) {
			t.Fatalf("the scheduler wants to wake at %v, not after now %v: it would spin", next, clock.t)
		}
		if next.After(end) {
			return dials, wakes
		}
		clock.t = next
		wakes = append(wakes, next)
		s.timedWake()
	}
}

// mostInAMinute is the largest number of times in any minute-long window.
func mostInAMinute(ts []time.Time) int {
	most, i := 0, 0
	for j := range ts {
		for ts[j].Sub(ts[i]) >= time.Minute {
			i++
		}
		most = max(most, j-i+1)
	}
	return most
}

func offlinePeers(n int, lim Limits, s *scheduler, now time.Time) []*simPeer {
	rng := rand.New(rand.NewPCG(1, 2))
	peers := make([]*simPeer, n)
	for i := range peers {
		peers[i] = &simPeer{addr: fmt.Sprintf("192.0.2.%d:%d", i%256, 7000+i), book: newAddrBook(lim, rng.Float64)}
		peers[i].ask(s, now)
	}
	return peers
}

func TestAThousandOfflinePeersAreDialledAtMostTheCeilingAMinuteByOneTimerWakingAFewTimes(t *testing.T) {
	// A ceiling low enough that 1,000 backing-off peers keep it busy for
	// three hours, so the test sees it hold under a standing backlog.
	lim := Limits{DialsPerMinute: 60}.withDefaults()
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	start := clock.t
	s := newScheduler(lim, clock.now)
	peers := offlinePeers(1000, lim, s, clock.t)
	dials, wakes := simulate(t, s, clock, peers, 3*time.Hour)

	if most := mostInAMinute(dials); most > lim.DialsPerMinute {
		t.Fatalf("%d dials in one minute, ceiling %d", most, lim.DialsPerMinute)
	}
	// For the first refill of the bucket a fresh turn (each contact just
	// loaded) wakes the scheduler for its own token: it may be the one a
	// user waits for. After that the backlog is granted in batches, a full
	// bucket every ten to twenty seconds, and later retries behind blocked
	// ones wake nothing. A timer per peer would wake once per dial.
	var settled []time.Time
	for _, w := range wakes {
		if w.Sub(start) >= time.Minute {
			settled = append(settled, w)
		}
	}
	if most := mostInAMinute(settled); most > 8 {
		t.Fatalf("after the first minute the scheduler woke %d times in one minute, want a few", most)
	}
	if most := mostInAMinute(wakes); most > lim.DialsPerMinute/3 {
		t.Fatalf("the scheduler woke %d times in the first minute", most)
	}
	if len(dials) < 2*60*lim.DialsPerMinute { // three hours at three quarters of the ceiling at least
		t.Fatalf("only %d dials in three hours: the backlog is not served", len(dials))
	}
	for _, p := range peers {
		if p.book.addrs[p.addr].fails == 0 {
			t.Fatal("a peer was never dialled in three hours")
		}
	}
	t.Logf("%d dials, at most %d in a minute; %d wake-ups, at most %d in a minute, %d after the first", len(dials), mostInAMinute(dials), len(wakes), mostInAMinute(wakes), mostInAMinute(settled))
}

func TestAFreshTurnOvertakesABacklogOfRetries(t *testing.T) {
	lim := Limits{}.withDefaults()
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	s := newScheduler(lim, clock.now)
	peers := offlinePeers(1000, lim, s, clock.t)
	simulate(t, s, clock, peers, time.Hour) // by now every peer has failed: all retries
	for _, p := range peers {
		if p.turn.class != classRetry {
			t.Fatal("the simulation left a fresh turn behind")
		}
	}
	// The retries always leave the reserve, so a new contact's first dial
	// goes at once, however long the queue.
	if tn := s.request(clock.t, kindPeer, classFresh); !granted(tn) {
		t.Fatal("a fresh turn waits behind a thousand retries")
	}
}

func TestTheNewestFreshTurnGetsTheNextToken(t *testing.T) {
	lim := Limits{DialsPerMinute: 8}.withDefaults() // burst 2, six a minute after
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	s := newScheduler(lim, clock.now)
	var old []*turn
	for range 5 { // a contact list loaded at start: two go, three wait
		old = append(old, s.request(clock.t, kindPeer, classFresh))
	}
	clock.t = clock.t.Add(time.Second)
	newest := s.request(clock.t, kindPeer, classFresh)
	if granted(newest) {
		t.Fatal("granted with an empty bucket")
	}
	// A retry would wait for a full bucket (20 s); a fresh turn wakes the
	// scheduler for one token (10 s).
	if w := s.nextWake().Sub(clock.t); w > 10*time.Second {
		t.Fatalf("the newcomer waits %v for its token", w)
	}
	clock.t = s.nextWake()
	s.timedWake()
	if !granted(newest) {
		t.Fatal("the newest fresh turn did not get the first token")
	}
	for _, tn := range old[2:] {
		if granted(tn) {
			t.Fatal("an older turn took the token")
		}
	}
}

func TestFallbackDialsAreCappedInFlightAndAWithdrawnTurnCostsNothing(t *testing.T) {
	lim := Limits{FallbackDialsPerMinute: 1000, MaxFallbackDials: 2}.withDefaults()
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	s := newScheduler(lim, clock.now)
	a := s.request(clock.t, kindFallback, classFresh)
	b := s.request(clock.t, kindFallback, classFresh)
	c := s.request(clock.t, kindFallback, classFresh)
	gone := s.request(clock.t, kindFallback, classFresh)
	if !granted(a) || !granted(b) || granted(c) {
		t.Fatalf("granted %v %v %v, want the first two of three", granted(a), granted(b), granted(c))
	}
	s.finish(gone) // its dialer gave up waiting
	s.finish(a)
	s.finish(a) // twice must not free two places
	if !granted(c) {
		t.Fatal("a finished dial did not let the next one go")
	}
	if d := s.request(clock.t, kindFallback, classFresh); granted(d) {
		t.Fatal("three fallback dials in flight")
	}
	if granted(gone) {
		t.Fatal("a withdrawn turn was granted")
	}
}

func TestCoalescingPutsTurnsDueTogetherIntoAFewSlotsWithinAnEighthOfTheirWait(t *testing.T) {
	epoch := time.Unix(1_000_000, 123_456_789)
	now := epoch.Add(17*time.Hour + 345*time.Millisecond)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, wait := range []time.Duration{50 * time.Millisecond, time.Second, 5 * time.Minute, 6 * time.Hour} {
		slots := map[time.Time]bool{}
		for range 1000 {
			at := now.Add(time.Duration(float64(wait) * (0.8 + 0.4*rng.Float64())))
			due := coalesce(at, now, epoch)
			if due.Before(at) || due.Sub(at) > at.Sub(now)/8 {
				t.Fatalf("wait %v: %v coalesced to %v", wait, at.Sub(now), due.Sub(now))
			}
			slots[due] = true
		}
		// 40 % of jitter over slots of at least a sixteenth of the wait.
		if len(slots) > 8 {
			t.Errorf("wait %v: a thousand turns in %d slots", wait, len(slots))
		}
	}
	if at := now.Add(-time.Second); !coalesce(at, now, epoch).Equal(at) {
		t.Fatal("a turn already due was moved")
	}
}

// refusingDial refuses every address in 192.0.2.0/24 (TEST-NET-1), as a
// host whose port is closed does, and counts those dials; it dials
// anything else for real.
type refusingDial struct{ refused atomic.Int64 }

func (r *refusingDial) dial(ctx context.Context, addr string) (net.Conn, error) {
	if strings.HasPrefix(addr, "192.0.2.") {
		r.refused.Add(1)
		return nil, errors.New("refused")
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

func TestAThousandRefusingContactsStayUnderTheCeilingAndANewContactStillConnects(t *testing.T) {
	checkLeaks(t)
	// The test runs for seconds, so one minute's ceiling bounds it; the
	// backoff is at test scale, so without the ceiling the thousand
	// peers would dial many thousand times.
	lim := fastLimits()
	lim.DialsPerMinute = 60
	rd := &refusingDial{}
	a := startNode(t, nil, "", lim, rd.dial)
	b := startNode(t, nil, "", lim, nil)
	start := time.Now()
	for i := range 1000 {
		keys := newIdentity(t).Public()
		a.e.Connect(Target{Keys: keys, Addrs: []string{fmt.Sprintf("192.0.2.%d:%d", i%256, 7000+i)}}, testHolder)
	}
	burst, _ := newCeiling(lim.DialsPerMinute, start)
	waitUntil(t, 10*time.Second, "the first burst of dials", func() bool { return rd.refused.Load() >= int64(burst.burst) })

	a.e.Connect(b.target(), testHolder)
	waitFor(t, a, 10*time.Second, "the new contact's session", isUp(b.id.ID()))
	time.Sleep(time.Second) // let the offline peers' retries pile up

	n, el := rd.refused.Load(), time.Since(start)
	limit := burst.burst + burst.rate*el.Seconds() + 1 // the new contact took a token
	if float64(n) > limit || n > int64(lim.DialsPerMinute) {
		t.Fatalf("%d dials to offline peers in %v, ceiling %.1f", n, el, limit)
	}
	t.Logf("%d dials to 1,000 offline peers in %v", n, el)
}

// onionFake is a fallback transport whose dials fail after hold, counting
// them and the most in flight at once.
type onionFake struct {
	hold     time.Duration
	dials    atomic.Int64
	mu       sync.Mutex
	inflight int
	most     int
}

func (*onionFake) Handles(addr string) bool { return isOnion(addr) }

func (o *onionFake) Dial(ctx context.Context, _ string) (net.Conn, error) {
	o.dials.Add(1)
	o.mu.Lock()
	o.inflight++
	o.most = max(o.most, o.inflight)
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		o.inflight--
		o.mu.Unlock()
	}()
	t := time.NewTimer(o.hold)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, errors.New("onion fake: no circuit")
}

func (o *onionFake) mostInFlight() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.most
}

func TestOnionDialsToOfflineContactsAreBounded(t *testing.T) {
	tests := []struct {
		name    string
		perMin  int
		atOnce  int
		hold    time.Duration
		enough  int64 // dials to wait for before judging
		checkIn func(t *testing.T, o *onionFake, el time.Duration, perMin int)
	}{
		{"by the ceiling a minute", 8, 100, 0, 2, func(t *testing.T, o *onionFake, el time.Duration, perMin int) {
			burst, _ := newCeiling(perMin, time.Now())
			if n := o.dials.Load(); float64(n) > burst.burst+burst.rate*el.Seconds() || n > int64(perMin) {
				t.Fatalf("%d onion dials in %v, ceiling %d a minute", n, el, perMin)
			}
		}},
		{"by the count in flight", 100000, 2, 100 * time.Millisecond, 10, func(t *testing.T, o *onionFake, _ time.Duration, _ int) {
			if most := o.mostInFlight(); most > 2 {
				t.Fatalf("%d onion dials in flight at once, cap 2", most)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			lim := fastLimits()
			lim.DialsPerMinute = 100000 // only the onion limits are under test
			lim.FallbackDialsPerMinute, lim.MaxFallbackDials = tt.perMin, tt.atOnce
			onion := &onionFake{hold: tt.hold}
			a := startNodeCfg(t, Config{Limits: lim, Transports: []Transport{Fallback(onion, 0)}})
			start := time.Now()
			for i := range 100 {
				a.e.Connect(Target{Keys: newIdentity(t).Public(), Addrs: []string{fmt.Sprintf("%s:%d", onionHost, 1000+i)}}, testHolder)
			}
			waitUntil(t, 10*time.Second, "onion dials", func() bool { return onion.dials.Load() >= tt.enough })
			time.Sleep(500 * time.Millisecond) // room for dials a missing bound would let through
			tt.checkIn(t, onion, time.Since(start), tt.perMin)
		})
	}
}

func TestUpgradeTriesFromAnOnionSessionTakeTurnsUnderTheCeiling(t *testing.T) {
	checkLeaks(t)
	lim := raceLimits()
	// Without the ceiling, fifty tries a second.
	lim.UpgradeMin, lim.UpgradeMax = 20*time.Millisecond, 20*time.Millisecond
	lim.BackoffMin, lim.BackoffNever = 20*time.Millisecond, 20*time.Millisecond
	lim.DialsPerMinute = 40 // a burst of 10, of which retries may spend 5
	paths := newPathNet()
	b := paths.start(t, lim, 0)
	var refused atomic.Int64 // direct is down for A: every direct dial is refused
	a := startNodeCfg(t, Config{Limits: lim, Transports: []Transport{Fallback(paths.tor, 0)},
		Dial: func(context.Context, string) (net.Conn, error) {
			refused.Add(1)
			return nil, errors.New("refused")
		}})
	start := time.Now()
	a.e.Connect(b.target(), testHolder)
	up := waitFor(t, a, 5*time.Second, "A's onion session", isUp(b.id.ID())).(PeerUp)
	if up.Peer.Dialed != b.onion {
		t.Fatalf("A's session went to %q, want the onion", up.Peer.Dialed)
	}
	time.Sleep(time.Second)
	burst, _ := newCeiling(lim.DialsPerMinute, start)
	n, el := refused.Load(), time.Since(start)
	if n < 2 {
		t.Fatalf("%d direct dials: the upgrade was never tried", n)
	}
	if float64(n) > burst.burst+burst.rate*el.Seconds() {
		t.Fatalf("%d direct dials in %v, the first race's and upgrade tries; ceiling %d a minute", n, el, lim.DialsPerMinute)
	}
}

func TestReleasingAPeerWhoseOnionDialWaitsForItsTurnWithdrawsTheTurn(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.FallbackDialsPerMinute = 2 // a burst of one, then one a minute
	onion := &onionFake{hold: time.Minute}
	a := startNodeCfg(t, Config{Limits: lim, Transports: []Transport{Fallback(onion, 0)}})
	first, second := newIdentity(t).Public(), newIdentity(t).Public()
	a.e.Connect(Target{Keys: first, Addrs: []string{onionHost + ":1"}}, testHolder)
	waitUntil(t, 5*time.Second, "the first onion dial", func() bool { return onion.dials.Load() == 1 })
	a.e.Connect(Target{Keys: second, Addrs: []string{onionHost + ":2"}}, testHolder)
	pending := func() int {
		a.e.sched.mu.Lock()
		defer a.e.sched.mu.Unlock()
		return len(a.e.sched.pending)
	}
	waitUntil(t, 5*time.Second, "the second onion dial to wait for a turn", func() bool { return pending() == 1 })
	a.e.Release(second.ID(), testHolder)
	waitUntil(t, 5*time.Second, "the released peer's turn to be withdrawn", func() bool { return pending() == 0 })
}
