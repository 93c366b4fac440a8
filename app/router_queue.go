package app

import (
	"jarvis/crypto"
	"jarvis/p2p"
)

// fairQueue holds one route's pending events in a FIFO per peer and hands
// them out round-robin, one event per peer per turn, so a peer with a
// thousand queued frames delays another peer's next event by one.
// Strangers (peers nobody holds: contact requests) take turns among
// themselves in a ring of their own, which gets every other turn, so a
// crowd of a thousand strangers delays a contact's next event by one too.
type fairQueue struct {
	fifos     map[crypto.ID][]p2p.Event
	ring      []crypto.ID        // held peers with queued events, next turn first
	strangers []crypto.ID        // strangers with queued events, next turn first
	next      bool               // the next turn is the strangers'
	over      map[crypto.ID]bool // peers this route is behind on (router backpressure)
}

// push appends ev to id's FIFO and returns its new length.
// A peer stays in the ring it joined until its FIFO empties, which keeps
// its events in order if it stops being a stranger meanwhile.
func (q *fairQueue) push(id crypto.ID, ev p2p.Event, stranger bool) int {
	if q.fifos == nil {
		q.fifos = make(map[crypto.ID][]p2p.Event)
		q.over = make(map[crypto.ID]bool)
	}
	f, queued := q.fifos[id]
	switch {
	case queued:
	case stranger:
		q.strangers = append(q.strangers, id)
	default:
		q.ring = append(q.ring, id)
	}
	q.fifos[id] = append(f, ev)
	return len(f) + 1
}

// pop takes the next peer's oldest event and reports how many that peer
// still has queued; ok is false when the queue is empty.
func (q *fairQueue) pop() (id crypto.ID, ev p2p.Event, left int, ok bool) {
	ring := &q.ring
	if len(q.strangers) > 0 && (q.next || len(q.ring) == 0) {
		ring = &q.strangers
	}
	if len(*ring) == 0 {
		return crypto.ID{}, nil, 0, false
	}
	q.next = ring == &q.ring // after a held peer's turn, the strangers'
	id, *ring = (*ring)[0], (*ring)[1:]
	f := q.fifos[id]
	ev, f[0], f = f[0], nil, f[1:] // nil the slot so the event can be collected
	if len(f) == 0 {
		delete(q.fifos, id)
		return id, ev, 0, true
	}
	q.fifos[id] = f
	*ring = append(*ring, id)
	return id, ev, len(f), true
}
