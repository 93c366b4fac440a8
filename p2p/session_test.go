package p2p

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

// liveSessions replays events for d and returns the sessions still up.
func liveSessions(n *node, d time.Duration) map[uint64]PeerInfo {
	live := map[uint64]PeerInfo{}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev := <-n.e.Events():
			switch v := ev.(type) {
			case PeerUp:
				live[v.Peer.Session] = v.Peer
			case PeerDown:
				delete(live, v.Session)
			}
		case <-timer.C:
			return live
		}
	}
}

func TestSimultaneousDialLeavesOneSessionOnBothSides(t *testing.T) {
	for i := range 5 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkLeaks(t)
			a := startNode(t, nil, "", fastLimits(), nil)
			b := startNode(t, nil, "", fastLimits(), nil)
			go a.e.Connect(b.target(), testHolder)
			b.e.Connect(a.target(), testHolder)
			var liveB map[uint64]PeerInfo
			done := make(chan struct{})
			go func() { liveB = liveSessions(b, 1500*time.Millisecond); close(done) }()
			liveA := liveSessions(a, 1500*time.Millisecond)
			<-done
			if len(liveA) != 1 || len(liveB) != 1 {
				t.Fatalf("live sessions: A %d, B %d", len(liveA), len(liveB))
			}
			var pa, pb PeerInfo
			for _, p := range liveA {
				pa = p
			}
			for _, p := range liveB {
				pb = p
			}
			if pa.Outbound == pb.Outbound {
				t.Fatalf("both sides kept different sessions: A outbound=%v, B outbound=%v", pa.Outbound, pb.Outbound)
			}
			if a.e.sessions.Load() != 1 || b.e.sessions.Load() != 1 {
				t.Fatalf("live sessions: A %d, B %d", a.e.sessions.Load(), b.e.sessions.Load())
			}
			if err := a.e.Send(context.Background(), b.id.ID(), text("still works")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, b, 2*time.Second, "Received", func(ev Event) bool { _, ok := ev.(Received); return ok })
		})
	}
}

func TestRaceTieBreakKeepsSmallerInitiator(t *testing.T) {
	e := &Engine{limits: Limits{}.withDefaults(), peers: map[crypto.ID]*peer{}, state: stateRunning}
	peerID, small, big := crypto.ID{9}, crypto.ID{1}, crypto.ID{2}
	mk := func(initiator crypto.ID) *session {
		return &session{info: PeerInfo{ID: peerID}, initiator: initiator, created: time.Now()}
	}
	s1 := mk(big)
	if old, err := e.register(s1, nil); err != nil || old != nil {
		t.Fatalf("first: %v %v", old, err)
	}
	s2 := mk(small)
	if old, err := e.register(s2, nil); err != nil || old != s1 {
		t.Fatalf("smaller initiator must win: old=%v err=%v", old, err)
	}
	if _, err := e.register(mk(big), nil); !errors.Is(err, ErrLostRace) {
		t.Fatalf("larger initiator must lose against a young session: %v", err)
	}
	s2.created = time.Now().Add(-time.Minute)
	if old, err := e.register(mk(big), nil); err != nil || old != s2 {
		t.Fatalf("a settled session is replaced: old=%v err=%v", old, err)
	}
}

func TestReconnectAfterPeerRestartsWithoutForget(t *testing.T) {
	checkLeaks(t)
	a := startNode(t, nil, "", fastLimits(), nil)
	bid := newIdentity(t)
	b := startNode(t, bid, "", fastLimits(), nil)
	addr := b.e.Addr().String()
	a.e.Connect(b.target(), testHolder)
	first := waitFor(t, a, 5*time.Second, "first PeerUp", isUp(bid.ID())).(PeerUp)
	b.stop(t)
	waitFor(t, a, 5*time.Second, "PeerDown", isDown(bid.ID()))
	time.Sleep(300 * time.Millisecond) // let A fail a few dials
	startNode(t, bid, addr, fastLimits(), nil)
	second := waitFor(t, a, 5*time.Second, "second PeerUp", isUp(bid.ID())).(PeerUp)
	if second.Peer.Session == first.Peer.Session {
		t.Fatal("session number reused")
	}
}

func TestMessagesFlowAcrossRekeys(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.RekeyFrames, lim.RekeyInterval = 3, 20*time.Millisecond
	a := startNode(t, nil, "", lim, nil)
	b := startNode(t, nil, "", lim, nil)
	a.e.Connect(b.target(), testHolder)
	waitFor(t, a, 5*time.Second, "PeerUp", isUp(b.id.ID()))
	waitFor(t, b, 5*time.Second, "PeerUp", isUp(a.id.ID()))
	const n = 60
	go func() {
		for i := range n {
			if err := a.e.Send(context.Background(), b.id.ID(), text(fmt.Sprint(i))); err != nil {
				return
			}
			if i%10 == 0 {
				time.Sleep(25 * time.Millisecond) // let the interval trigger too
			}
		}
	}()
	next := 0
	for next < n {
		ev := waitFor(t, b, 5*time.Second, fmt.Sprintf("message %d", next), func(ev Event) bool { _, ok := ev.(Received); return ok })
		for _, m := range ev.(Received).Msgs {
			if got := m.(wire.Text).Body; got != fmt.Sprint(next) {
				t.Fatalf("message %d: got %q", next, got)
			}
			next++
		}
	}
	if r := b.e.rekeys.Load(); r < 5 {
		t.Fatalf("only %d rekeys on B", r)
	}
}

func TestFloodingPeerIsDisconnected(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.FrameRate, lim.FrameBurst = 20, 10
	b := startNode(t, nil, "", lim, nil)
	c, nr, x := rawSession(t, b)
	pt, _ := wire.Append(nil, wire.Typing{Active: true})
	var buf []byte
	var err error
	for range 100 {
		if buf, err = writeTransport(c, nr.send, buf, pt); err != nil {
			break // B may close mid-flood
		}
	}
	down := waitFor(t, b, 3*time.Second, "PeerDown", isDown(x.ID())).(PeerDown)
	if !errors.Is(down.Err, errFlood) {
		t.Fatalf("PeerDown err = %v, want errFlood", down.Err)
	}
}
