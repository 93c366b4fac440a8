package p2p

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// raceLimits are fastLimits with the upgrade tries brought down to test
// scale, and never-answering addresses kept on a short leash too.
func raceLimits() Limits {
	lim := fastLimits()
	lim.UpgradeMin, lim.UpgradeMax = 200*time.Millisecond, 800*time.Millisecond
	lim.BackoffNever = time.Second
	return lim
}

func isDirect(n *pathNode) func(PeerInfo) bool {
	return func(p PeerInfo) bool {
		if p.Outbound {
			return p.Dialed == n.direct
		}
		return p.Network == ""
	}
}

func isOnionPath(n *pathNode) func(PeerInfo) bool {
	return func(p PeerInfo) bool {
		if p.Outbound {
			return p.Dialed == n.onion
		}
		return p.Network == "onion"
	}
}

// onlyUp fails unless log is one PeerUp and nothing else.
func onlyUp(t *testing.T, who string, log []Event) {
	t.Helper()
	if len(log) != 1 {
		t.Fatalf("%s: session log%s, want one PeerUp", who, describe(log))
	}
	if _, ok := log[0].(PeerUp); !ok {
		t.Fatalf("%s: session log%s, want one PeerUp", who, describe(log))
	}
}

func TestWithBothPathsUpTheSessionIsDirectAndTheOnionIsNeverDialled(t *testing.T) {
	checkLeaks(t)
	const delay = time.Second
	paths := newPathNet()
	a := paths.start(t, raceLimits(), delay)
	b := paths.start(t, raceLimits(), delay)
	start := time.Now()
	a.e.Connect(b.target(), testHolder)

	a.liveWhere(t, 5*time.Second, "A's direct session", b.id.ID(), isDirect(b))
	b.liveWhere(t, 5*time.Second, "B's direct session", a.id.ID(), isDirect(a))
	// Give a fallback dial that was wrongly left running time to show up.
	time.Sleep(time.Until(start.Add(delay + 500*time.Millisecond)))
	if n := paths.tor.dials.Load(); n != 0 {
		t.Fatalf("the onion was dialled %d times although direct won before its delay", n)
	}
	onlyUp(t, "A", a.rec.sessionLog(b.id.ID()))
	onlyUp(t, "B", b.rec.sessionLog(a.id.ID()))
}

func TestPathsStartedTogetherLeaveOneSessionAndNoTraceOfTheLoser(t *testing.T) {
	// With no delay both paths dial at once and either may finish its
	// handshake first; the loser must not register on either end, or the
	// peer would see a session come and go.
	for i := range 6 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkLeaks(t)
			lim := raceLimits()
			lim.UpgradeMin = time.Minute // keep the upgrade out of this test
			paths := newPathNet()
			a := paths.start(t, lim, 0)
			b := paths.start(t, lim, 0)
			a.e.Connect(b.target(), testHolder)
			pa := a.liveWhere(t, 5*time.Second, "A's session", b.id.ID(), func(PeerInfo) bool { return true })
			pb := b.liveWhere(t, 5*time.Second, "B's session", a.id.ID(), func(PeerInfo) bool { return true })
			time.Sleep(500 * time.Millisecond) // a loser that did register would be refused or dropped by now
			onlyUp(t, "A", a.rec.sessionLog(b.id.ID()))
			onlyUp(t, "B", b.rec.sessionLog(a.id.ID()))
			if onionA, onionB := pa.Dialed == b.onion, pb.Network == "onion"; onionA != onionB {
				t.Fatalf("the ends disagree on the path: A dialled %q, B's network %q", pa.Dialed, pb.Network)
			}
			if n := a.e.sessions.Load() + b.e.sessions.Load(); n != 2 {
				t.Fatalf("%d live sessions in all, want one on each end", n)
			}
		})
	}
}

func TestWithDirectBlackholedTheOnionComesUpAfterItsDelayNotTheDirectTimeout(t *testing.T) {
	checkLeaks(t)
	const delay = 300 * time.Millisecond
	lim := raceLimits()
	lim.HandshakeTimeout = 20 * time.Second // a direct dial may hang this long
	lim.UpgradeMin = time.Minute
	paths := newPathNet()
	paths.gate.set(gateHold)
	a := paths.start(t, lim, delay)
	b := paths.start(t, lim, delay)
	start := time.Now()
	a.e.Connect(b.target(), testHolder)

	a.liveWhere(t, lim.HandshakeTimeout, "A's session", b.id.ID(), isOnionPath(b))
	took := time.Since(start)
	b.liveWhere(t, 5*time.Second, "B's onion session", a.id.ID(), isOnionPath(a))
	if took < delay {
		t.Fatalf("the onion session came up after %v, before its %v delay", took, delay)
	}
	if took > lim.HandshakeTimeout/2 {
		t.Fatalf("the onion session came up after %v: it waited for the direct dial to time out", took)
	}
	// The direct dial lost the race and must not be left hanging.
	waitUntil(t, 5*time.Second, "the blackholed direct dial to be cancelled", func() bool { n, _ := paths.gate.holding(); return n == 0 })
	onlyUp(t, "A", a.rec.sessionLog(b.id.ID()))
}

func TestAFallbackSessionMovesToDirectWhenDirectComesBack(t *testing.T) {
	checkLeaks(t)
	const delay = 5 * time.Second
	paths := newPathNet()
	paths.gate.set(gateRefuse)
	a := paths.start(t, raceLimits(), delay)
	b := paths.start(t, raceLimits(), delay)
	start := time.Now()
	a.e.Connect(b.target(), testHolder)

	onionA := a.liveWhere(t, delay, "A's onion session", b.id.ID(), isOnionPath(b))
	if took := time.Since(start); took >= delay {
		t.Fatalf("the onion waited %v although direct was refused at once", took)
	}
	onionB := b.liveWhere(t, 5*time.Second, "B's onion session", a.id.ID(), isOnionPath(a))

	// Text flows all the while: the app's outbox resends what a replaced
	// session dropped; here it is enough that it flows on both sessions.
	sending := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-sending:
				return
			case <-tick.C:
				_ = a.e.TrySend(b.id.ID(), text("across the switch"))
			}
		}
	}()
	defer func() { close(sending); wg.Wait() }()
	waitUntil(t, 5*time.Second, "text over the onion", func() bool { return b.rec.received(onionB.Session) > 0 })

	paths.gate.set(gateOpen)
	directA := a.liveWhere(t, 10*time.Second, "A's direct session", b.id.ID(), isDirect(b))
	directB := b.liveWhere(t, 5*time.Second, "B's direct session", a.id.ID(), isDirect(a))
	if !directA.Outbound || directB.Outbound {
		t.Fatalf("the direct session was not A's upgrade: outbound A %v, B %v", directA.Outbound, directB.Outbound)
	}
	waitUntil(t, 5*time.Second, "text over the direct session", func() bool { return b.rec.received(directB.Session) > 0 })

	time.Sleep(time.Second) // a flap would show within a few upgrade periods
	for _, end := range []struct {
		name      string
		log       []Event
		old, next uint64
	}{
		{"A", a.rec.sessionLog(b.id.ID()), onionA.Session, directA.Session},
		{"B", b.rec.sessionLog(a.id.ID()), onionB.Session, directB.Session},
	} {
		if len(end.log) != 3 {
			t.Fatalf("%s: session log%s, want up(onion) down(onion) up(direct)", end.name, describe(end.log))
		}
		down, ok := end.log[1].(PeerDown)
		up, ok2 := end.log[2].(PeerUp)
		// The end whose register runs second may see the other end close
		// the onion conn first, so its PeerDown need not say ErrReplaced.
		if !ok || !ok2 || down.Session != end.old || up.Peer.Session != end.next {
			t.Fatalf("%s: session log%s, want the onion session replaced by the direct one", end.name, describe(end.log))
		}
	}
}

func TestBothEndsUpgradingAtOnceConvergeOnOneDirectSession(t *testing.T) {
	checkLeaks(t)
	lim := raceLimits()
	lim.HandshakeTimeout = 10 * time.Second // held upgrade dials wait at the gate this long
	paths := newPathNet()
	paths.gate.set(gateHold)
	a := paths.start(t, lim, 200*time.Millisecond)
	b := paths.start(t, lim, 200*time.Millisecond)
	a.e.Connect(b.target(), testHolder)
	b.e.Connect(a.target(), testHolder)
	a.liveWhere(t, 5*time.Second, "A's onion session", b.id.ID(), isOnionPath(b))
	b.liveWhere(t, 5*time.Second, "B's onion session", a.id.ID(), isOnionPath(a))

	// Both dialers try direct and hang at the gate; opening it lets both
	// upgrades through at the same instant.
	waitUntil(t, 5*time.Second, "both upgrade dials at the gate", func() bool { n, _ := paths.gate.holding(); return n == 2 })
	paths.gate.set(gateOpen)
	// Each end registers the other's dial before its own, so for a moment
	// they may hold different sessions; they must settle on one. Which one
	// is not fixed: the tie-break keeps the smaller initiator's, but an end
	// whose fallback session is replaced before its own dial has claimed its
	// race gives that dial up.
	aID, bID := a.id.ID(), b.id.ID()
	var pa, pb PeerInfo
	waitSteady(t, 5*time.Second, 300*time.Millisecond, "one direct session on both ends", func() bool {
		var okA, okB bool
		pa, okA = a.rec.live(bID)
		pb, okB = b.rec.live(aID)
		return okA && okB && isDirect(b)(pa) && isDirect(a)(pb) && pa.Outbound != pb.Outbound
	})

	logA, logB := len(a.rec.sessionLog(bID)), len(b.rec.sessionLog(aID))
	time.Sleep(2 * time.Second) // several upgrade periods: nothing may move
	if got := a.rec.sessionLog(bID); len(got) != logA {
		t.Fatalf("A flapped after converging:%s", describe(got))
	}
	if got := b.rec.sessionLog(aID); len(got) != logB {
		t.Fatalf("B flapped after converging:%s", describe(got))
	}
	if p, _ := a.rec.live(bID); p.Session != pa.Session {
		t.Fatal("A's session changed")
	}
}

func TestCuttingDirectMovesTheSessionToTheOnion(t *testing.T) {
	checkLeaks(t)
	const delay = 5 * time.Second
	paths := newPathNet()
	a := paths.start(t, raceLimits(), delay)
	b := paths.start(t, raceLimits(), delay)
	a.e.Connect(b.target(), testHolder)
	direct := a.liveWhere(t, 5*time.Second, "A's direct session", b.id.ID(), isDirect(b))
	b.liveWhere(t, 5*time.Second, "B's direct session", a.id.ID(), isDirect(a))

	cut := time.Now()
	paths.gate.set(gateRefuse)
	onion := a.liveWhere(t, delay, "A's onion session", b.id.ID(), isOnionPath(b))
	if took := time.Since(cut); took >= delay {
		t.Fatalf("the onion waited %v although direct was refused at once", took)
	}
	b.liveWhere(t, 5*time.Second, "B's onion session", a.id.ID(), isOnionPath(a))
	if onion.Session == direct.Session {
		t.Fatal("no new session")
	}
	if err := a.e.Send(context.Background(), b.id.ID(), text("over the onion now")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "text over the onion", func() bool { return b.rec.received(onion.Session) > 0 })
}

func TestAFallbackSessionMovesToADirectAddressConnectAddsLater(t *testing.T) {
	checkLeaks(t)
	paths := newPathNet()
	a := paths.start(t, raceLimits(), 0)
	b := paths.start(t, raceLimits(), 0)
	a.e.Connect(Target{Keys: b.id.Public(), Addrs: []string{b.onion}}, testHolder)
	a.liveWhere(t, 5*time.Second, "A's onion session", b.id.ID(), isOnionPath(b))

	a.e.Connect(b.target(), testHolder) // now with the direct address too
	a.liveWhere(t, 5*time.Second, "A's direct session", b.id.ID(), isDirect(b))
	b.liveWhere(t, 5*time.Second, "B's direct session", a.id.ID(), isDirect(a))
}

func TestAnUpgradeDialIsGivenUpWhenThePeerUpgradesFirst(t *testing.T) {
	checkLeaks(t)
	lim := raceLimits()
	lim.HandshakeTimeout = 20 * time.Second // A's held dial would hang this long
	paths := newPathNet()
	gateA, gateB := newDirectGate(), newDirectGate()
	gateA.set(gateHold)   // A's direct dials hang
	gateB.set(gateRefuse) // B's are refused, for now
	a := paths.startGated(t, lim, 0, gateA)
	b := paths.startGated(t, lim, 0, gateB)
	a.e.Connect(b.target(), testHolder)
	b.e.Connect(a.target(), testHolder)
	a.liveWhere(t, 5*time.Second, "A's onion session", b.id.ID(), isOnionPath(b))
	b.liveWhere(t, 5*time.Second, "B's onion session", a.id.ID(), isOnionPath(a))
	// A's first race held one direct dial; the upgrade holds the second.
	waitUntil(t, 5*time.Second, "A's upgrade dial at its gate", func() bool { n, all := gateA.holding(); return n == 1 && all >= 2 })

	gateB.set(gateOpen)
	a.liveWhere(t, 5*time.Second, "A's session upgraded by B", b.id.ID(), isDirect(b))
	// A's own dial, had it gone through later, would have replaced B's
	// settled direct session for nothing.
	waitUntil(t, 5*time.Second, "A's upgrade dial to be given up", func() bool { n, _ := gateA.holding(); return n == 0 })
}

func TestTheAddressBookBlamesAFailedDirectDialButNotOneTheOnionOvertook(t *testing.T) {
	tests := []struct {
		name       string
		mode       gateMode
		directFail int // failures the book must hold against the direct address
	}{
		{"a blackholed direct dial cut short by the onion", gateHold, 0},
		{"a refused direct dial", gateRefuse, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			lim := raceLimits()
			lim.HandshakeTimeout = 20 * time.Second
			paths := newPathNet()
			paths.gate.set(tt.mode)
			a := paths.start(t, lim, 100*time.Millisecond)
			b := paths.start(t, lim, 100*time.Millisecond)
			book := newAddrBook(lim, func() float64 { return 0.5 })
			// No Connect: this test is the only dialer, so it owns book.
			err := a.e.dialTarget(context.Background(), b.id.Public(), []string{b.direct, b.onion}, book, nil, classFresh)
			if err != nil {
				t.Fatalf("dialTarget: %v", err)
			}
			if st := book.state(b.onion); !st.worked {
				t.Fatal("the onion address gave a session but is not marked as working")
			}
			if st := book.state(b.direct); st.fails != tt.directFail || st.worked {
				t.Fatalf("direct address: %d failures, worked %v; want %d failures", st.fails, st.worked, tt.directFail)
			}
		})
	}
}

func TestWhenOnlyOneDirectionWorksThePeerDoesNotDialTheOnionForNothing(t *testing.T) {
	checkLeaks(t)
	const delay = time.Second
	lim := raceLimits()
	lim.HandshakeTimeout = 20 * time.Second
	paths := newPathNet()
	gateA, gateB := newDirectGate(), newDirectGate()
	gateB.set(gateHold) // B cannot reach A directly (A is behind a NAT); A reaches B
	a := paths.startGated(t, lim, delay, gateA)
	b := paths.startGated(t, lim, delay, gateB)
	start := time.Now()
	a.e.Connect(b.target(), testHolder)
	b.e.Connect(a.target(), testHolder)

	a.liveWhere(t, 5*time.Second, "A's direct session", b.id.ID(), isDirect(b))
	b.liveWhere(t, 5*time.Second, "B's direct session", a.id.ID(), isDirect(a))
	if took := time.Since(start); took >= delay {
		t.Skipf("the direct session took %v, longer than the onion's delay: the machine is too slow for this test", took)
	}
	time.Sleep(time.Until(start.Add(delay + 500*time.Millisecond)))
	if n := paths.tor.dials.Load(); n != 0 {
		t.Fatalf("B dialled the onion %d times although A's direct session reached it first", n)
	}
	onlyUp(t, "A", a.rec.sessionLog(b.id.ID()))
	onlyUp(t, "B", b.rec.sessionLog(a.id.ID()))
}
