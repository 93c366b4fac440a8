package app

import (
	"context"
	"errors"
	"slices"
	"sync"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
)

// Per peer and route, in queued engine events: over high water the peer's
// reads pause, under low water they resume, over the hard cap (a peer that
// keeps sending past a pause) its session is dropped.
const (
	routeHighWater = 128
	routeLowWater  = 32
	routeHardCap   = 1024
	// routeBuffer is each route's channel to its manager. Small, since
	// fairness happens in the per-peer queues, not in this buffer; but as
	// deep as one store batch (eventBatch), or the contact manager commits
	// smaller transactions and 1:1 throughput drops (by about 15% at 32).
	routeBuffer = eventBatch
	// routeChunk caps the records in one routed event. A frame may carry
	// thousands of tiny records; as one event it would be one turn of the
	// round-robin, and a peer packing its frames would take a thousand
	// times another's share. Split, a turn is at most this many records,
	// and a message from anyone else waits behind at most routeBuffer
	// chunks.
	routeChunk = 64
)

var errOverrun = errors.New("app: peer sent more than we could take")

// eventSource is what the router needs from the engine.
type eventSource interface {
	Events() <-chan p2p.Event
	PauseReads(id crypto.ID, session uint64, paused bool)
	Drop(id crypto.ID, session uint64, why error)
}

// route is one consumer of engine events: every PeerUp and PeerDown, and
// the received messages its filter wants.
type route struct {
	out   chan p2p.Event
	wants func(wire.Message) bool
	q     fairQueue     // guarded by router.mu
	ready chan struct{} // cap 1: q has events
}

// router fans the engine's single event stream out to the managers. It
// never blocks on a manager: each route queues events per peer and a feeder
// goroutine per route hands them on round-robin, so a flood from one peer
// or a slow manager delays only that peer's events on that route. It keeps
// the order of one peer's events within each route, and it updates the
// presence table before any manager hears of a peer change.
type router struct {
	src    eventSource
	peers  *peers
	routes []*route

	mu     sync.Mutex
	paused map[crypto.ID]*pauseState
}

// pauseState counts the routes on which a peer is over high water.
type pauseState struct {
	session uint64
	over    int
}

func newRouter(src eventSource, p *peers) *router {
	return &router{src: src, peers: p, paused: make(map[crypto.ID]*pauseState)}
}

// add registers a route; call before run.
func (r *router) add(wants func(wire.Message) bool) <-chan p2p.Event {
	rt := &route{out: make(chan p2p.Event, routeBuffer), wants: wants, ready: make(chan struct{}, 1)}
	r.routes = append(r.routes, rt)
	return rt.out
}

// run dispatches until ctx ends, then joins the feeders.
func (r *router) run(ctx context.Context) {
	defer r.startFeeders(ctx)()
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-r.src.Events():
			r.dispatch(ev)
		}
	}
}

// dispatch queues ev on every route that wants it; it never waits.
func (r *router) dispatch(ev p2p.Event) {
	if r.peers != nil {
		r.peers.observe(ev)
	}
	from, session := eventPeer(ev)
	stranger := r.peers != nil && from != (crypto.ID{}) && !r.peers.heldByAny(from)
	for _, rt := range r.routes {
		out, ok := rt.filter(ev)
		if !ok {
			continue
		}
		r.mu.Lock()
		var n int
		for _, part := range chunks(out) {
			n = rt.q.push(from, part, stranger)
		}
		r.pushed(rt, from, session, n, ev)
		r.mu.Unlock()
		poke(rt.ready)
	}
}

// filter keeps the messages rt wants; peer changes go to every route.
func (rt *route) filter(ev p2p.Event) (p2p.Event, bool) {
	rcv, ok := ev.(p2p.Received)
	if !ok {
		return ev, true
	}
	mine := make([]wire.Message, 0, len(rcv.Msgs))
	for _, m := range rcv.Msgs {
		if rt.wants(m) {
			mine = append(mine, m)
		}
	}
	rcv.Msgs = mine
	return rcv, len(mine) > 0
}

// chunks splits a received frame into events of at most routeChunk
// records, in order; anything else is one event.
func chunks(ev p2p.Event) []p2p.Event {
	rcv, ok := ev.(p2p.Received)
	if !ok || len(rcv.Msgs) <= routeChunk {
		return []p2p.Event{ev}
	}
	out := make([]p2p.Event, 0, (len(rcv.Msgs)+routeChunk-1)/routeChunk)
	for part := range slices.Chunk(rcv.Msgs, routeChunk) {
		out = append(out, p2p.Received{From: rcv.From, Session: rcv.Session, Msgs: part})
	}
	return out
}

// pushed applies backpressure after rt's queue for a peer grew to n;
// r.mu is held. Only received messages count: peer changes are few.
func (r *router) pushed(rt *route, id crypto.ID, session uint64, n int, ev p2p.Event) {
	if _, ok := ev.(p2p.Received); !ok || n <= routeHighWater {
		return
	}
	if n > routeHardCap {
		r.src.Drop(id, session, errOverrun)
		return
	}
	ps := r.paused[id]
	if rt.q.over[id] {
		if ps != nil && ps.session != session {
			// A new session while still behind: it waits too.
			ps.session = session
			r.src.PauseReads(id, session, true)
		}
		return
	}
	rt.q.over[id] = true
	if ps == nil {
		ps = &pauseState{session: session}
		r.paused[id] = ps
		r.src.PauseReads(id, session, true)
	}
	ps.over++
}

// popped lifts rt's share of a pause once its queue for id fell to n;
// r.mu is held. The peer reads again when no route is behind on it.
func (r *router) popped(rt *route, id crypto.ID, n int) {
	if n > routeLowWater || !rt.q.over[id] {
		return
	}
	delete(rt.q.over, id)
	ps := r.paused[id]
	if ps == nil {
		return
	}
	if ps.over--; ps.over <= 0 {
		delete(r.paused, id)
		r.src.PauseReads(id, ps.session, false)
	}
}

// startFeeders starts one feeder per route; they stop when ctx ends, and
// the returned function waits for them.
func (r *router) startFeeders(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for _, rt := range r.routes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.feed(ctx, rt)
		}()
	}
	return wg.Wait
}

// feed hands rt's queued events to its manager, one peer at a time.
func (r *router) feed(ctx context.Context, rt *route) {
	for {
		r.mu.Lock()
		id, ev, n, ok := rt.q.pop()
		if ok {
			r.popped(rt, id, n)
		}
		r.mu.Unlock()
		if !ok {
			select {
			case <-rt.ready:
				continue
			case <-ctx.Done():
				return
			}
		}
		select {
		case rt.out <- ev:
		case <-ctx.Done():
			return
		}
	}
}

func eventPeer(ev p2p.Event) (crypto.ID, uint64) {
	switch ev := ev.(type) {
	case p2p.PeerUp:
		return ev.Peer.ID, ev.Peer.Session
	case p2p.PeerDown:
		return ev.ID, ev.Session
	case p2p.Received:
		return ev.From, ev.Session
	}
	return crypto.ID{}, 0
}

// isContactMessage selects what the contact manager handles: contact
// requests and answers, 1:1 texts, receipts, typing, addresses and byes.
func isContactMessage(m wire.Message) bool {
	switch m.(type) {
	case wire.ContactRequest, wire.ContactAccept, wire.ContactReject, wire.Text, wire.Ack, wire.Read,
		wire.Typing, wire.Address, wire.Bye,
		wire.Reply, wire.Reaction, wire.Edit, wire.Delete:
		return true
	}
	return false
}
