package p2p

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jarvis/crypto"
)

// gateMode is what a directGate does with direct dials.
type gateMode int

const (
	gateOpen   gateMode = iota // dial through
	gateRefuse                 // fail at once, as a closed port does
	gateHold                   // hang until the gate opens, as a blackholed address does
)

// directGate stands in for the direct network between test engines: every
// engine dials direct through it, so a test can cut the direct path (which
// also closes every conn made through it, ending direct sessions at both
// ends), blackhole it, or restore it.
type directGate struct {
	mu     sync.Mutex
	mode   gateMode
	opened chan struct{} // closed while the gate is open; held dials wait on it
	conns  map[net.Conn]struct{}
	held   int // dials waiting for the gate to open
	holds  int // dials that have waited, in all
}

func newDirectGate() *directGate {
	g := &directGate{opened: make(chan struct{}), conns: make(map[net.Conn]struct{})}
	close(g.opened)
	return g
}

func (g *directGate) set(mode gateMode) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if mode == g.mode {
		return
	}
	switch {
	case mode == gateOpen:
		close(g.opened)
	case g.mode == gateOpen:
		g.opened = make(chan struct{})
		for c := range g.conns {
			_ = c.Close()
		}
		clear(g.conns)
	}
	g.mode = mode
}

// holding is how many dials are waiting at a held gate, and how many
// have waited in all.
func (g *directGate) holding() (now, all int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held, g.holds
}

func (g *directGate) dial(ctx context.Context, addr string) (net.Conn, error) {
	g.mu.Lock()
	mode, opened := g.mode, g.opened
	if mode == gateHold {
		g.held++
		g.holds++
	}
	g.mu.Unlock()
	switch mode {
	case gateRefuse:
		return nil, errors.New("gate: connection refused")
	case gateHold:
		var err error
		select {
		case <-opened:
		case <-ctx.Done():
			err = ctx.Err()
		}
		g.mu.Lock()
		g.held--
		g.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.mode != gateOpen { // cut while we dialled
		_ = c.Close()
		return nil, errors.New("gate: connection reset")
	}
	g.conns[c] = struct{}{}
	return c, nil
}

// onionRouter is an in-memory Tor for several engines: each engine's onion
// listener is a pipeNet, reached by its own onion address.
type onionRouter struct {
	mu     sync.Mutex
	routes map[string]*pipeNet
	dials  atomic.Int32
}

func (r *onionRouter) add(addr string, pn *pipeNet) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.routes == nil {
		r.routes = make(map[string]*pipeNet)
	}
	r.routes[addr] = pn
}

func (r *onionRouter) Handles(addr string) bool { return isOnion(addr) }

func (r *onionRouter) Dial(ctx context.Context, addr string) (net.Conn, error) {
	r.dials.Add(1)
	r.mu.Lock()
	pn := r.routes[addr]
	r.mu.Unlock()
	if pn == nil {
		return nil, errors.New("onion router: no such service")
	}
	return pn.Dial(ctx, addr)
}

// pathNet is a direct network and a Tor shared by the engines of a test.
type pathNet struct {
	gate *directGate
	tor  *onionRouter
	next int // onion port of the next engine, so each has its own address
}

func newPathNet() *pathNet { return &pathNet{gate: newDirectGate(), tor: &onionRouter{}} }

// pathNode is an engine on a pathNet, reachable directly and over onion.
type pathNode struct {
	*node
	rec    *recorder
	direct string // its direct (loopback TCP) address
	onion  string // its onion address
}

// start runs an engine whose onion transport is a fallback with delay.
func (pn *pathNet) start(t testing.TB, lim Limits, delay time.Duration) *pathNode {
	t.Helper()
	return pn.startGated(t, lim, delay, pn.gate)
}

// startGated is start with the engine's own direct dials going through g,
// so a test can cut one direction of the direct path.
func (pn *pathNet) startGated(t testing.TB, lim Limits, delay time.Duration, g *directGate) *pathNode {
	t.Helper()
	pn.next++
	ln := newPipeNet()
	onion := fmt.Sprintf("%s:%d", onionHost, 7000+pn.next)
	pn.tor.add(onion, ln)
	n := startNodeCfg(t, Config{
		Limits:     lim,
		Dial:       g.dial,
		Transports: []Transport{Fallback(pn.tor, delay)},
		Listeners:  []Listener{{Listener: ln, Network: "onion"}},
	})
	return &pathNode{node: n, rec: record(t, n), direct: n.e.Addr().String(), onion: onion}
}

// target lists the node's direct address, then its onion one.
func (n *pathNode) target() Target {
	return Target{Keys: n.id.Public(), Addrs: []string{n.direct, n.onion}}
}

// recorder keeps every event of a node so tests can poll for states and
// then look back at how they got there.
type recorder struct {
	mu  sync.Mutex
	evs []Event
}

// record drains n's events until the test ends.
func record(t testing.TB, n *node) *recorder {
	r := &recorder{}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case ev := <-n.e.Events():
				r.mu.Lock()
				r.evs = append(r.evs, ev)
				r.mu.Unlock()
			case <-quit:
				return
			}
		}
	}()
	t.Cleanup(func() { close(quit); <-done })
	return r
}

// sessionLog is the PeerUp and PeerDown events about id, in order.
func (r *recorder) sessionLog(id crypto.ID) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, ev := range r.evs {
		switch v := ev.(type) {
		case PeerUp:
			if v.Peer.ID == id {
				out = append(out, v)
			}
		case PeerDown:
			if v.ID == id {
				out = append(out, v)
			}
		}
	}
	return out
}

// live is the session with id that is up, if exactly one is.
func (r *recorder) live(id crypto.ID) (PeerInfo, bool) {
	up := map[uint64]PeerInfo{}
	for _, ev := range r.sessionLog(id) {
		switch v := ev.(type) {
		case PeerUp:
			up[v.Peer.Session] = v.Peer
		case PeerDown:
			delete(up, v.Session)
		}
	}
	for _, p := range up {
		return p, len(up) == 1
	}
	return PeerInfo{}, false
}

// received counts the messages that arrived on session num.
func (r *recorder) received(num uint64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, ev := range r.evs {
		if v, ok := ev.(Received); ok && v.Session == num {
			n += len(v.Msgs)
		}
	}
	return n
}

// waitUntil polls cond until it holds, failing the test after d.
func waitUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitSteady polls cond until it has held for quiet without a break,
// failing the test after d: a state that a handshake still in flight can
// undo is not reached yet.
func waitSteady(t testing.TB, d, quiet time.Duration, what string, cond func() bool) {
	t.Helper()
	var since time.Time
	waitUntil(t, d, what, func() bool {
		if !cond() {
			since = time.Time{}
			return false
		}
		if since.IsZero() {
			since = time.Now()
		}
		return time.Since(since) >= quiet
	})
}

// liveWhere waits until n has exactly one session with id and it satisfies ok.
func (n *pathNode) liveWhere(t testing.TB, d time.Duration, what string, id crypto.ID, ok func(PeerInfo) bool) PeerInfo {
	t.Helper()
	var p PeerInfo
	waitUntil(t, d, what, func() bool {
		var one bool
		p, one = n.rec.live(id)
		return one && ok(p)
	})
	return p
}

// describe renders a session log for failure messages, without keys.
func describe(log []Event) string {
	s := ""
	for _, ev := range log {
		switch v := ev.(type) {
		case PeerUp:
			s += fmt.Sprintf(" up(%d dialed=%q network=%q)", v.Peer.Session, v.Peer.Dialed, v.Peer.Network)
		case PeerDown:
			s += fmt.Sprintf(" down(%d %v)", v.Session, v.Err)
		}
	}
	return s
}
