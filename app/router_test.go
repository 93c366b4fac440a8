package app

import (
	"context"
	"sync"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
)

// fakeSource is an engine event stream that records backpressure calls.
type fakeSource struct {
	events chan p2p.Event

	mu      sync.Mutex
	paused  map[crypto.ID]bool
	dropped map[crypto.ID]bool
}

func newFakeSource() *fakeSource {
	return &fakeSource{events: make(chan p2p.Event), paused: map[crypto.ID]bool{}, dropped: map[crypto.ID]bool{}}
}

func (f *fakeSource) Events() <-chan p2p.Event { return f.events }

func (f *fakeSource) PauseReads(id crypto.ID, _ uint64, paused bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paused[id] = paused
}

func (f *fakeSource) Drop(id crypto.ID, _ uint64, _ error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropped[id] = true
}

func (f *fakeSource) isPaused(id crypto.ID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.paused[id]
}

func textFrom(id crypto.ID, body string) p2p.Received {
	return p2p.Received{From: id, Session: 1, Msgs: []wire.Message{wire.Text{Body: body}}}
}

func isAnything(wire.Message) bool { return true }

func TestFairQueueServesPeersInTurn(t *testing.T) {
	var q fairQueue
	a, b := crypto.ID{1}, crypto.ID{2}
	for i := 0; i < 3; i++ {
		q.push(a, textFrom(a, "a"), false)
	}
	q.push(b, textFrom(b, "b"), false)
	var order []crypto.ID
	for {
		id, _, _, ok := q.pop()
		if !ok {
			break
		}
		order = append(order, id)
	}
	want := []crypto.ID{a, b, a, a}
	if len(order) != len(want) {
		t.Fatalf("popped %d events, want %d", len(order), len(want))
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("turn %d went to %v, want %v", i, order[i].Short(), want[i].Short())
		}
	}
}

// Strangers share every other turn, so a crowd of them cannot push a
// contact's event back by more than one turn (the flood soak saw a
// contact wait behind hundreds of strangers' requests).
func TestFairQueueGivesStrangersOneTurnInTwo(t *testing.T) {
	var q fairQueue
	contact := crypto.ID{1}
	for i := range 100 {
		s := crypto.ID{2, byte(i)}
		q.push(s, textFrom(s, "request"), true)
	}
	q.push(contact, textFrom(contact, "hello"), false)
	q.push(contact, textFrom(contact, "again"), false)
	var turns []crypto.ID
	for range 5 {
		id, _, _, ok := q.pop()
		if !ok {
			t.Fatal("the queue ran dry")
		}
		turns = append(turns, id)
	}
	want := []crypto.ID{contact, {2, 0}, contact, {2, 1}, {2, 2}}
	for i := range want {
		if turns[i] != want[i] {
			t.Fatalf("turn %d went to %v, want %v (turns %v)", i, turns[i].Short(), want[i].Short(), turns)
		}
	}
}

func TestRouterDispatchNeverWaitsForAStalledManager(t *testing.T) {
	src := newFakeSource()
	r := newRouter(src, nil)
	r.add(isAnything) // a manager that never reads
	flood := crypto.ID{7}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < routeHighWater*4; i++ {
			r.dispatch(textFrom(flood, "x"))
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("dispatch blocked on a manager that does not read")
	}
}

func TestRouterGivesAQuietPeerItsTurnBehindAFlood(t *testing.T) {
	src := newFakeSource()
	r := newRouter(src, nil)
	out := r.add(isAnything)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	flood, quiet := crypto.ID{7}, crypto.ID{8}
	for i := 0; i < 500; i++ {
		r.dispatch(textFrom(flood, "x"))
	}
	r.dispatch(textFrom(quiet, "hello"))
	defer r.startFeeders(ctx)()
	defer cancel()
	for n := 1; ; n++ {
		ev := <-out
		if ev.(p2p.Received).From == quiet {
			// The route's buffer and one turn of the flood may come first.
			if n > routeBuffer+2 {
				t.Fatalf("the quiet peer waited behind %d events", n-1)
			}
			return
		}
	}
}

func TestRouterPausesAPeerOverHighWaterAndResumesUnderLowWater(t *testing.T) {
	src := newFakeSource()
	r := newRouter(src, nil)
	out := r.add(isAnything)
	flood, other := crypto.ID{7}, crypto.ID{8}
	for i := 0; i < routeHighWater; i++ {
		r.dispatch(textFrom(flood, "x"))
	}
	if src.isPaused(flood) {
		t.Fatal("paused at high water, before going over")
	}
	r.dispatch(textFrom(flood, "x"))
	if !src.isPaused(flood) {
		t.Fatal("not paused over high water")
	}
	r.dispatch(textFrom(other, "y"))
	if src.isPaused(other) {
		t.Fatal("another peer was paused too")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer r.startFeeders(ctx)()
	defer cancel()
	for i := 0; i < routeHighWater+2-routeLowWater; i++ {
		<-out
	}
	eventually(t, "resume under low water", func() bool { return !src.isPaused(flood) })
}

func TestRouterDropsAPeerThatOverrunsTheHardCap(t *testing.T) {
	src := newFakeSource()
	r := newRouter(src, nil)
	r.add(isAnything)
	flood := crypto.ID{7}
	for i := 0; i <= routeHardCap; i++ {
		r.dispatch(textFrom(flood, "x"))
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	if !src.dropped[flood] {
		t.Fatal("a peer past the hard cap kept its session")
	}
}

func TestRouterSendsPeerChangesToEveryRouteAndMessagesOnlyWhereWanted(t *testing.T) {
	src := newFakeSource()
	r := newRouter(src, nil)
	contacts := r.add(isContactMessage)
	groups := r.add(isGroupMessage)
	ctx, cancel := context.WithCancel(context.Background())
	defer r.startFeeders(ctx)()
	defer cancel()
	id := crypto.ID{3}
	r.dispatch(p2p.PeerUp{Peer: p2p.PeerInfo{ID: id, Session: 1}})
	r.dispatch(p2p.Received{From: id, Session: 1, Msgs: []wire.Message{wire.Text{Body: "t"}, wire.GroupSync{}}})
	for name, ch := range map[string]<-chan p2p.Event{"contacts": contacts, "groups": groups} {
		if _, ok := (<-ch).(p2p.PeerUp); !ok {
			t.Fatalf("%s: first event is not PeerUp", name)
		}
		rcv := (<-ch).(p2p.Received)
		if len(rcv.Msgs) != 1 {
			t.Fatalf("%s got %d messages, want its one", name, len(rcv.Msgs))
		}
	}
}

// A frame packed with thousands of records is as many turns as it has
// chunks, so a quiet peer waits behind records in the hundreds, not a
// flood's whole frames.
func TestRouterCountsAPackedFrameAsManyTurns(t *testing.T) {
	src := newFakeSource()
	r := newRouter(src, nil)
	out := r.add(isAnything)
	flood, quiet := crypto.ID{7}, crypto.ID{8}
	packed := make([]wire.Message, 4096)
	for i := range packed {
		packed[i] = wire.ContactRequest{Name: "x"}
	}
	for range 4 {
		r.dispatch(p2p.Received{From: flood, Session: 1, Msgs: packed})
	}
	r.dispatch(textFrom(quiet, "hello"))
	ctx, cancel := context.WithCancel(context.Background())
	defer r.startFeeders(ctx)()
	defer cancel()
	ahead := 0
	for {
		rcv := (<-out).(p2p.Received)
		if rcv.From == quiet {
			break
		}
		if len(rcv.Msgs) > routeChunk {
			t.Fatalf("an event of %d records", len(rcv.Msgs))
		}
		ahead += len(rcv.Msgs)
	}
	if limit := (routeBuffer + 2) * routeChunk; ahead > limit {
		t.Fatalf("the quiet peer waited behind %d records, more than %d", ahead, limit)
	}
}
