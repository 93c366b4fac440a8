package p2p

import (
	"slices"

	"jarvis/crypto"
)

// Holder names one party's interest in a peer (the contacts, the groups,
// later a file transfer). The engine keeps dialling a peer while at least
// one holder wants it, so one party letting go never cuts off another.
type Holder string

// Connect records that h wants a session with t. The engine dials the union
// of every holder's addresses with backoff whenever there is no live session,
// until the last holder releases the peer. Calling it again replaces h's
// addresses and, if the union changed, retries at once.
func (e *Engine) Connect(t Target, h Holder) {
	id := t.Keys.ID()
	if id == e.myID {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state == stateStopped {
		return
	}
	p := e.peerLocked(id)
	if p.holds == nil {
		p.holds = make(map[Holder][]string)
	}
	p.holds[h] = slices.Clone(t.Addrs)
	union := Target{Keys: t.Keys, Addrs: p.unionAddrs()}
	changed := p.target == nil || !slices.Equal(p.target.Addrs, union.Addrs)
	p.target = &union
	if p.stop == nil {
		p.stop = make(chan struct{})
		if e.state == stateRunning {
			e.startDialer(id, p)
		}
	} else if changed {
		poke(p.wake)
	}
}

// Release drops h's interest in id. When no holder is left the engine stops
// dialling id and hangs up its session once what is already queued is
// written; that is also how a session with a stranger nobody holds ends.
func (e *Engine) Release(id crypto.ID, h Holder) {
	e.mu.Lock()
	p := e.peers[id]
	if p == nil {
		e.mu.Unlock()
		return
	}
	delete(p.holds, h)
	if len(p.holds) > 0 {
		addrs := p.unionAddrs()
		changed := !slices.Equal(p.target.Addrs, addrs)
		p.target = &Target{Keys: p.target.Keys, Addrs: addrs}
		if changed {
			poke(p.wake)
		}
		e.mu.Unlock()
		return
	}
	if p.stop != nil {
		close(p.stop)
	}
	s := p.sess
	delete(e.peers, id)
	e.mu.Unlock()
	if s != nil {
		s.hangUp()
	}
}

// unionAddrs merges the holders' addresses, in holder order so the result
// does not depend on map iteration, without duplicates.
func (p *peer) unionAddrs() []string {
	hs := make([]Holder, 0, len(p.holds))
	for h := range p.holds {
		hs = append(hs, h)
	}
	slices.Sort(hs)
	var out []string
	for _, h := range hs {
		for _, a := range p.holds[h] {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}
