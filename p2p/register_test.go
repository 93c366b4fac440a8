package p2p

import (
	"errors"
	"testing"
	"time"

	"jarvis/crypto"
)

func TestADirectSessionReplacesAFallbackOneAndNeverTheOtherWayRound(t *testing.T) {
	peerID, small, big := crypto.ID{9}, crypto.ID{1}, crypto.ID{2}
	young, settled := time.Now(), time.Now().Add(-time.Minute)
	tests := []struct {
		name         string
		curFallback  bool
		curInitiator crypto.ID
		curCreated   time.Time
		newFallback  bool
		newInitiator crypto.ID
		replaced     bool
	}{
		{"a direct session upgrades a young fallback one whatever the IDs", true, small, young, false, big, true},
		{"a fallback session never replaces a young direct one whatever the IDs", false, big, young, true, small, false},
		{"a fallback session replaces a settled direct one, as the peer lost it", false, big, settled, true, small, true},
		{"between two young direct sessions the smaller initiator stays", false, small, young, false, big, false},
		{"between two young fallback sessions the smaller initiator wins", true, big, young, true, small, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Engine{limits: Limits{}.withDefaults(), peers: map[crypto.ID]*peer{}, state: stateRunning}
			cur := &session{info: PeerInfo{ID: peerID}, initiator: tt.curInitiator, created: tt.curCreated, fallback: tt.curFallback}
			if _, err := e.register(cur, nil); err != nil {
				t.Fatal(err)
			}
			s := &session{info: PeerInfo{ID: peerID}, initiator: tt.newInitiator, created: time.Now(), fallback: tt.newFallback}
			old, err := e.register(s, nil)
			if tt.replaced && (err != nil || old != cur) {
				t.Fatalf("not replaced: old=%v err=%v", old, err)
			}
			if !tt.replaced && !errors.Is(err, ErrLostRace) {
				t.Fatalf("replaced: old=%v err=%v", old, err)
			}
		})
	}
}

func TestANewSessionWaitsForThePeerDownOfOneThatHasJustEnded(t *testing.T) {
	e := &Engine{limits: Limits{}.withDefaults(), peers: map[crypto.ID]*peer{}, state: stateRunning}
	peerID := crypto.ID{9}
	mk := func() *session {
		return &session{info: PeerInfo{ID: peerID}, initiator: peerID, created: time.Now(), done: make(chan struct{})}
	}
	held := e.peerLocked(peerID)
	held.target = &Target{} // someone holds the peer, so it outlives its sessions

	s1 := mk()
	if _, err := e.register(s1, nil); err != nil {
		t.Fatal(err)
	}
	e.unregister(s1) // s1 ended; its PeerDown is not out yet
	s2 := mk()
	if old, err := e.register(s2, nil); err != nil || old != s1 {
		t.Fatalf("s2 must wait for s1's PeerDown: old=%v err=%v", old, err)
	}
	e.unregister(s2)
	e.ended(s2) // s2's PeerDown is out
	if old, err := e.register(mk(), nil); err != nil || old != nil {
		t.Fatalf("nothing left to wait for: old=%v err=%v", old, err)
	}
}

func TestASessionThatIsClosingDoesNotWinATieAgainstANewOne(t *testing.T) {
	e := &Engine{limits: Limits{}.withDefaults(), peers: map[crypto.ID]*peer{}, state: stateRunning}
	peerID, small, big := crypto.ID{9}, crypto.ID{1}, crypto.ID{2}
	cur := &session{info: PeerInfo{ID: peerID}, initiator: small, created: time.Now(), done: make(chan struct{})}
	if _, err := e.register(cur, nil); err != nil {
		t.Fatal(err)
	}
	close(cur.done) // closing, not yet unregistered
	s := &session{info: PeerInfo{ID: peerID}, initiator: big, created: time.Now()}
	if old, err := e.register(s, nil); err != nil || old != cur {
		t.Fatalf("a closing session refused its successor: old=%v err=%v", old, err)
	}
}
