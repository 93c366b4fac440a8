package p2p

import (
	"slices"
	"testing"
	"time"
)

func TestStateNamesItself(t *testing.T) {
	for s, want := range map[engineState]string{stateNew: "new", stateRunning: "running", stateStopped: "stopped", 9: "invalid"} {
		if got := s.String(); got != want {
			t.Errorf("%d: %q, want %q", s, got, want)
		}
	}
}

func TestConnectDialsTheUnionOfEveryHoldersAddresses(t *testing.T) {
	e, err := New(Config{Identity: newIdentity(t), ListenAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	keys := newIdentity(t).Public()
	id := keys.ID()
	e.Connect(Target{Keys: keys, Addrs: []string{"10.0.0.1:1", "10.0.0.2:1"}}, "contacts")
	e.Connect(Target{Keys: keys, Addrs: []string{"10.0.0.2:1", "10.0.0.3:1"}}, "groups")
	holders := func() []Holder {
		e.mu.Lock()
		defer e.mu.Unlock()
		var hs []Holder
		if p := e.peers[id]; p != nil {
			for h := range p.holds {
				hs = append(hs, h)
			}
		}
		slices.Sort(hs)
		return hs
	}
	addrs := func() []string {
		e.mu.Lock()
		defer e.mu.Unlock()
		if p := e.peers[id]; p != nil && p.target != nil {
			return p.target.Addrs
		}
		return nil
	}
	if got, want := addrs(), []string{"10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1"}; !slices.Equal(got, want) {
		t.Fatalf("union %v, want %v", got, want)
	}
	if got := holders(); !slices.Equal(got, []Holder{"contacts", "groups"}) {
		t.Fatalf("holders %v", got)
	}
	e.Release(id, "contacts")
	if got, want := addrs(), []string{"10.0.0.2:1", "10.0.0.3:1"}; !slices.Equal(got, want) {
		t.Fatalf("after release %v, want %v", got, want)
	}
	e.Release(id, "groups")
	if got := holders(); got != nil {
		t.Fatalf("holders after the last release: %v", got)
	}
}

func TestReleasingOneHolderKeepsTheSessionWithoutRedialling(t *testing.T) {
	checkLeaks(t)
	f := newFreezer()
	b := startNode(t, nil, "", fastLimits(), nil)
	a := startNode(t, nil, "", fastLimits(), f.dial)
	a.e.Connect(b.target(), "contacts")
	a.e.Connect(b.target(), "groups")
	waitFor(t, a, 5*time.Second, "PeerUp", isUp(b.id.ID()))
	a.e.Release(b.id.ID(), "contacts")
	expectNone(t, a, 300*time.Millisecond, "PeerDown after releasing one of two holders", isDown(b.id.ID()))
	f.mu.Lock()
	dials := f.dials
	f.mu.Unlock()
	if dials != 1 {
		t.Fatalf("%d dials, want 1", dials)
	}
	a.e.Release(b.id.ID(), "groups")
	waitFor(t, a, 5*time.Second, "PeerDown after the last release", isDown(b.id.ID()))
}

func TestTheLastReleaseHangsUpOnlyAfterWhatIsQueuedIsWritten(t *testing.T) {
	checkLeaks(t)
	a := startNode(t, nil, "", fastLimits(), nil)
	b := startNode(t, nil, "", fastLimits(), nil)
	a.e.Connect(b.target(), testHolder)
	waitFor(t, a, 5*time.Second, "PeerUp", isUp(b.id.ID()))
	waitFor(t, b, 5*time.Second, "PeerUp on B", isUp(a.id.ID()))
	for i := 0; i < 100; i++ {
		if err := a.e.TrySend(b.id.ID(), text("goodbye")); err != nil {
			t.Fatal(err)
		}
	}
	a.e.Release(b.id.ID(), testHolder)
	got := 0
	waitFor(t, b, 5*time.Second, "PeerDown on B", func(ev Event) bool {
		if r, ok := ev.(Received); ok {
			got += len(r.Msgs)
		}
		return isDown(a.id.ID())(ev)
	})
	if got != 100 {
		t.Fatalf("B got %d of the 100 messages queued before the release", got)
	}
}
