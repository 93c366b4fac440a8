package app

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
)

// holdAttack is the hostile engine's holder of its victim.
const holdAttack p2p.Holder = "attack"

// hostile is an attacking peer: a real p2p engine with its own identity,
// driven by the test to send whatever records it likes, with none of the
// app's manners.
type hostile struct {
	t   *testing.T
	id  *crypto.Identity
	eng *p2p.Engine

	mu       sync.Mutex
	events   []p2p.Event
	sessions map[crypto.ID]uint64 // live sessions by peer
	notify   chan struct{}

	cancel context.CancelFunc
	done   sync.WaitGroup
}

// newHostile starts an attacking engine listening on loopback. src, if
// set, is the loopback IP it dials from (127.0.0.0/8 is all this host), so
// tests can come from several networks.
func newHostile(t *testing.T, src string) *hostile {
	t.Helper()
	id, err := crypto.GenerateIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cfg := p2p.Config{Identity: id, ListenAddr: "127.0.0.1:0", Limits: fastLimits}
	if src != "" {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		cfg.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	eng, err := p2p.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &hostile{t: t, id: id, eng: eng, sessions: make(map[crypto.ID]uint64), notify: make(chan struct{}, 1), cancel: cancel}
	h.done.Add(2)
	go func() {
		defer h.done.Done()
		eng.Run(ctx)
	}()
	go func() {
		defer h.done.Done()
		h.pump(ctx)
	}()
	t.Cleanup(h.stop)
	return h
}

func (h *hostile) pump(ctx context.Context) {
	for {
		select {
		case ev := <-h.eng.Events():
			h.mu.Lock()
			h.events = append(h.events, ev)
			switch ev := ev.(type) {
			case p2p.PeerUp:
				h.sessions[ev.Peer.ID] = ev.Peer.Session
			case p2p.PeerDown:
				if h.sessions[ev.ID] == ev.Session {
					delete(h.sessions, ev.ID)
				}
			}
			h.mu.Unlock()
			poke(h.notify)
		case <-ctx.Done():
			return
		}
	}
}

func (h *hostile) stop() {
	h.cancel()
	h.done.Wait()
}

func (h *hostile) ID() crypto.ID { return h.id.ID() }

// code is the hostile's link code, for a victim who adds it.
func (h *hostile) code() string {
	code, err := crypto.EncodeLinkCode(crypto.LinkCode{Name: "h", Keys: h.id.Public(), Addrs: []string{h.eng.Addr().String()}})
	if err != nil {
		h.t.Fatal(err)
	}
	return code
}

// dial makes the engine hold a session with n (redialling whenever it
// ends) and returns the first session's number.
func (h *hostile) dial(n *node) uint64 {
	h.t.Helper()
	since := h.mark()
	h.eng.Connect(p2p.Target{Keys: n.core.Self().Keys, Addrs: []string{n.listen}}, holdAttack)
	return h.waitUp(since, n.core.Self().ID)
}

// waitUp waits for a session with id that came up after event since.
func (h *hostile) waitUp(since int, id crypto.ID) uint64 {
	h.t.Helper()
	ev := h.waitFor("session up", since, func(ev p2p.Event) bool {
		up, ok := ev.(p2p.PeerUp)
		return ok && up.Peer.ID == id
	})
	return ev.(p2p.PeerUp).Peer.Session
}

// mark is where the next event will be recorded.
func (h *hostile) mark() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.events)
}

// waitFor returns the first event from index since on that ok accepts.
func (h *hostile) waitFor(what string, since int, ok func(p2p.Event) bool) p2p.Event {
	h.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		h.mu.Lock()
		for ; since < len(h.events); since++ {
			if ok(h.events[since]) {
				ev := h.events[since]
				h.mu.Unlock()
				return ev
			}
		}
		h.mu.Unlock()
		select {
		case <-h.notify:
		case <-deadline:
			h.t.Fatalf("hostile: timed out waiting for %s", what)
		}
	}
}

// count counts the received records from index since on that ok accepts.
func (h *hostile) count(since int, ok func(wire.Message) bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, ev := range h.events[since:] {
		if r, is := ev.(p2p.Received); is {
			for _, m := range r.Msgs {
				if ok(m) {
					n++
				}
			}
		}
	}
	return n
}

// send queues msgs on the session with id, waiting for room.
func (h *hostile) send(id crypto.ID, msgs ...wire.Message) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := h.eng.Send(ctx, id, msgs...); err != nil {
		h.t.Fatalf("hostile send: %v", err)
	}
}

func isDown(id crypto.ID, session uint64) func(p2p.Event) bool {
	return func(ev p2p.Event) bool {
		d, ok := ev.(p2p.PeerDown)
		return ok && d.ID == id && d.Session == session
	}
}

func isRecord[T wire.Message](m wire.Message) bool { _, ok := m.(T); return ok }

// flood sends batch to victim over and over until ctx ends, as fast as
// the victim takes it, while never reading what the victim sends back (it
// pauses its own reads on every session). When the victim hangs up, the
// engine redials and the flood goes on. It returns how many batches went.
func (h *hostile) flood(ctx context.Context, victim crypto.ID, batch []wire.Message) (wait func() int) {
	var sent int
	done := make(chan struct{})
	go func() {
		defer close(done)
		var paused uint64
		for ctx.Err() == nil {
			h.mu.Lock()
			s, up := h.sessions[victim]
			h.mu.Unlock()
			if up && s != paused {
				h.eng.PauseReads(victim, s, true)
				paused = s
			}
			switch err := h.eng.TrySend(victim, batch...); {
			case err == nil:
				sent++
			case errors.Is(err, p2p.ErrQueueFull):
				time.Sleep(2 * time.Millisecond)
			default:
				time.Sleep(10 * time.Millisecond) // no session: the engine redials
			}
		}
	}()
	return func() int {
		<-done
		return sent
	}
}
