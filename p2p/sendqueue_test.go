package p2p

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

// frozenPair connects a to b over a conn whose writes f can freeze, and
// reports a's OnWritable calls on room.
func frozenPair(t *testing.T, lim Limits) (a, b *node, f *freezer, room chan uint64) {
	t.Helper()
	f = newFreezer()
	room = make(chan uint64, 16)
	b = startNode(t, nil, "", fastLimits(), nil)
	a = startNodeCfg(t, Config{Limits: lim, Dial: f.dial, OnWritable: func(_ crypto.ID, s uint64) {
		select {
		case room <- s:
		default:
		}
	}})
	a.e.Connect(b.target(), testHolder)
	waitFor(t, a, 5*time.Second, "PeerUp", isUp(b.id.ID()))
	return a, b, f, room
}

// fill queues single messages until TrySend refuses one.
func fill(t *testing.T, a, b *node) {
	t.Helper()
	for i := 0; ; i++ {
		err := a.e.TrySend(b.id.ID(), text("x"))
		if errors.Is(err, ErrQueueFull) {
			return
		}
		if err != nil {
			t.Fatalf("TrySend %d: %v", i, err)
		}
		if i > 1000 {
			t.Fatal("the queue never filled")
		}
	}
}

func TestTrySendRefusesAFullQueueAndSignalsRoom(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.SendQueue = 8
	a, b, f, room := frozenPair(t, lim)
	f.set(true)
	fill(t, a, b)
	time.Sleep(50 * time.Millisecond) // the writer takes one more batch before it blocks
	fill(t, a, b)
	if err := a.e.TrySend(b.id.ID(), text("1"), text("2")); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("a batch into a full queue: %v", err)
	}
	for len(room) > 0 {
		<-room // from the batch the writer took before blocking
	}
	f.set(false)
	select {
	case <-room:
	case <-time.After(5 * time.Second):
		t.Fatal("no OnWritable after the peer took data again")
	}
	if err := a.e.TrySend(b.id.ID(), text("after")); err != nil {
		t.Fatalf("TrySend after room: %v", err)
	}
}

func TestTrySendRefusesABatchLargerThanTheQueue(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.SendQueue = 2
	a, b, _, _ := frozenPair(t, lim)
	err := a.e.TrySend(b.id.ID(), text("1"), text("2"), text("3"))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
}

func TestASessionFullForTooLongIsClosed(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.SendQueue, lim.StallTimeout = 4, 100*time.Millisecond
	a, b, f, _ := frozenPair(t, lim)
	f.set(true)
	fill(t, a, b)
	time.Sleep(50 * time.Millisecond) // the writer takes one more batch before it blocks
	fill(t, a, b)
	time.Sleep(150 * time.Millisecond)
	if err := a.e.TrySend(b.id.ID(), text("late")); !errors.Is(err, ErrNoSession) {
		t.Fatalf("TrySend on a stalled session: %v", err)
	}
	ev := waitFor(t, a, 5*time.Second, "PeerDown", isDown(b.id.ID()))
	if err := ev.(PeerDown).Err; !errors.Is(err, ErrStalled) {
		t.Fatalf("PeerDown cause %v, want ErrStalled", err)
	}
	f.set(false)
}

func TestPausedReadsDeliverNothingUntilResumed(t *testing.T) {
	checkLeaks(t)
	a := startNode(t, nil, "", fastLimits(), nil)
	b := startNode(t, nil, "", fastLimits(), nil)
	a.e.Connect(b.target(), testHolder)
	up := waitFor(t, b, 5*time.Second, "PeerUp", isUp(a.id.ID())).(PeerUp)
	waitFor(t, a, 5*time.Second, "PeerUp on A", isUp(b.id.ID()))
	b.e.PauseReads(a.id.ID(), up.Peer.Session, true)
	// The reader may already be waiting for a frame: "first" may come
	// through, "held" (a later frame) must not.
	isRecv := func(body string) func(Event) bool {
		return func(ev Event) bool { r, ok := ev.(Received); return ok && r.Msgs[0].(wire.Text).Body == body }
	}
	if err := a.e.Send(context.Background(), b.id.ID(), text("first")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // so "held" travels in a frame of its own
	if err := a.e.Send(context.Background(), b.id.ID(), text("held")); err != nil {
		t.Fatal(err)
	}
	expectNone(t, b, 200*time.Millisecond, "Received while paused", isRecv("held"))
	b.e.PauseReads(a.id.ID(), up.Peer.Session, false)
	waitFor(t, b, 5*time.Second, "Received after resume", isRecv("held"))
}

func TestStallCountsFromTheLaterOfFullAndLastWrite(t *testing.T) {
	now := time.Unix(1000, 0)
	const d = 10 * time.Second
	for _, tc := range []struct {
		name        string
		full, wrote time.Duration // before now
		want        bool
	}{
		{"full and silent for longer than d", 20 * time.Second, 30 * time.Second, true},
		{"full for long, but a frame went out just now", 20 * time.Second, time.Second, false},
		{"full just now after a long idle spell", time.Second, time.Hour, false},
	} {
		var q sendQueue
		q.fullSince = now.Add(-tc.full)
		q.wrote.Store(now.Add(-tc.wrote).UnixNano())
		if got := q.stalled(now, d); got != tc.want {
			t.Errorf("%s: stalled %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAPeerThatStopsReadingLosesItsSessionEvenWithNoOneSending(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.SendQueue, lim.StallTimeout = 8, 300*time.Millisecond
	b := startNode(t, nil, "", lim, nil)
	x := newIdentity(t)
	rawClientFrom(t, b, x, "127.0.0.1") // handshakes, then never reads again
	waitFor(t, b, 2*time.Second, "PeerUp", isUp(x.ID()))
	big := text(strings.Repeat("x", 8<<10))
	for i := 0; ; i++ {
		err := b.e.TrySend(x.ID(), big)
		if errors.Is(err, ErrQueueFull) {
			time.Sleep(50 * time.Millisecond) // an idle writer would have drained it by now
			if err = b.e.TrySend(x.ID(), big); errors.Is(err, ErrQueueFull) {
				break // the socket is full and the writer is stuck on it
			}
		}
		if err != nil && !errors.Is(err, ErrQueueFull) {
			t.Fatalf("TrySend %d: %v", i, err)
		}
		if i > 100000 {
			t.Fatal("the socket never filled")
		}
	}
	// Nobody calls TrySend from here on: the writer's own deadline must end it.
	down := waitFor(t, b, 5*time.Second, "PeerDown for the stalled peer", isDown(x.ID())).(PeerDown)
	if !errors.Is(down.Err, ErrStalled) {
		t.Fatalf("PeerDown cause %v, want ErrStalled", down.Err)
	}
}
