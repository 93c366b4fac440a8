package app

import (
	"jarvis/crypto"
	"jarvis/p2p"
)

// fairQueue holds one route's pending events in a FIFO per peer and hands
// them out round-robin, one event per peer per turn, so a peer with a
// thousand queued frames delays another peer's next event by one.
type fairQueue struct {
	fifos map[crypto.ID][]p2p.Event
	ring  []crypto.ID        // peers with queued events, next turn first
	over  map[crypto.ID]bool // peers this route is behind on (router backpressure)
}

// push appends ev to id's FIFO and returns its new length.
func (q *fairQueue) push(id crypto.ID, ev p2p.Event) int {
	if q.fifos == nil {
		q.fifos = make(map[crypto.ID][]p2p.Event)
		q.over = make(map[crypto.ID]bool)
	}
	f, queued := q.fifos[id]
	if !queued {
		q.ring = append(q.ring, id)
	}
	q.fifos[id] = append(f, ev)
	return len(f) + 1
}

// pop takes the next peer's oldest event and reports how many that peer
// still has queued; ok is false when the queue is empty.
func (q *fairQueue) pop() (id crypto.ID, ev p2p.Event, left int, ok bool) {
	if len(q.ring) == 0 {
		return crypto.ID{}, nil, 0, false
	}
	id, q.ring = q.ring[0], q.ring[1:]
	f := q.fifos[id]
	ev, f[0], f = f[0], nil, f[1:] // nil the slot so the event can be collected
	if len(f) == 0 {
		delete(q.fifos, id)
		return id, ev, 0, true
	}
	q.fifos[id] = f
	q.ring = append(q.ring, id)
	return id, ev, len(f), true
}
