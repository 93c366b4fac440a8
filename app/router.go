package app

import (
	"context"

	"jarvis/p2p"
	"jarvis/p2p/wire"
)

// route is one consumer of engine events: every PeerUp and PeerDown, and
// the received messages its filter wants.
type route struct {
	events chan p2p.Event
	wants  func(wire.Message) bool
}

// router fans the engine's single event stream out to the managers, so
// each manager sees only its own messages but every peer change. It keeps
// the order of one peer's messages within each route.
type router struct {
	engine *p2p.Engine
	routes []route
}

// add registers a route; call before run.
func (r *router) add(wants func(wire.Message) bool) <-chan p2p.Event {
	ch := make(chan p2p.Event, 256)
	r.routes = append(r.routes, route{events: ch, wants: wants})
	return ch
}

func (r *router) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-r.engine.Events():
			if !r.dispatch(ctx, ev) {
				return
			}
		}
	}
}

func (r *router) dispatch(ctx context.Context, ev p2p.Event) bool {
	for _, rt := range r.routes {
		out := ev
		if rcv, ok := ev.(p2p.Received); ok {
			mine := make([]wire.Message, 0, len(rcv.Msgs))
			for _, m := range rcv.Msgs {
				if rt.wants(m) {
					mine = append(mine, m)
				}
			}
			if len(mine) == 0 {
				continue
			}
			rcv.Msgs = mine
			out = rcv
		}
		select {
		case rt.events <- out:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// isContactMessage selects what the contact manager handles: contact
// requests and answers, 1:1 texts, receipts, typing, addresses and byes.
func isContactMessage(m wire.Message) bool {
	switch m.(type) {
	case wire.ContactRequest, wire.ContactAccept, wire.ContactReject, wire.Text, wire.Ack, wire.Read,
		wire.Typing, wire.Address, wire.Bye:
		return true
	}
	return false
}
