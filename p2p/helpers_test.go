package p2p

import (
	"context"
	"crypto/rand"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

// checkLeaks fails the test if goroutines started during it outlive it.
// Call it first so its cleanup runs last.
func checkLeaks(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func newIdentity(t testing.TB) *crypto.Identity {
	t.Helper()
	id, err := crypto.GenerateIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// fastLimits keeps tests quick without touching the limits under test.
func fastLimits() Limits {
	return Limits{HandshakeTimeout: 2 * time.Second, BackoffMin: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond}
}

type node struct {
	e        *Engine
	id       *crypto.Identity
	cancel   context.CancelFunc
	errc     chan error
	stopOnce sync.Once
}

func startNode(t testing.TB, id *crypto.Identity, addr string, lim Limits, dial func(context.Context, string) (net.Conn, error)) *node {
	t.Helper()
	if id == nil {
		id = newIdentity(t)
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	e, err := New(Config{Identity: id, ListenAddr: addr, Limits: lim, Dial: dial})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &node{e: e, id: id, cancel: cancel, errc: make(chan error, 1)}
	go func() { n.errc <- e.Run(ctx) }()
	t.Cleanup(func() { n.stop(t) })
	return n
}

// stop shuts the engine down and waits for Run to return.
func (n *node) stop(t testing.TB) {
	n.stopOnce.Do(func() {
		n.cancel()
		select {
		case err := <-n.errc:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return after cancel")
		}
	})
}

func (n *node) target() Target {
	return Target{Keys: n.id.Public(), Addrs: []string{n.e.Addr().String()}}
}

// waitFor reads events until match returns true; other events are dropped.
func waitFor(t testing.TB, n *node, d time.Duration, what string, match func(Event) bool) Event {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev := <-n.e.Events():
			if match(ev) {
				return ev
			}
		case <-timer.C:
			t.Fatalf("timed out after %v waiting for %s", d, what)
			return nil
		}
	}
}

func isUp(id crypto.ID) func(Event) bool {
	return func(ev Event) bool { up, ok := ev.(PeerUp); return ok && up.Peer.ID == id }
}

func isDown(id crypto.ID) func(Event) bool {
	return func(ev Event) bool { d, ok := ev.(PeerDown); return ok && d.ID == id }
}

// expectNone fails if an event matching match arrives within d.
func expectNone(t testing.TB, n *node, d time.Duration, what string, match func(Event) bool) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev := <-n.e.Events():
			if match(ev) {
				t.Fatalf("unexpected %s: %#v", what, ev)
			}
		case <-timer.C:
			return
		}
	}
}

func isAnyUpOrReceived(ev Event) bool {
	switch ev.(type) {
	case PeerUp, Received:
		return true
	}
	return false
}

func text(body string) wire.Text {
	var id wire.MessageID
	_, _ = rand.Read(id[:])
	return wire.Text{ID: id, SentAt: time.Now().UnixMilli(), Body: body}
}

// assertClosed fails unless the peer closes c within d.
func assertClosed(t testing.TB, c net.Conn, d time.Duration) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 4096)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("connection still open after %v", d)
		}
		if !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
			t.Fatalf("read: %v", err)
		}
		return
	}
}

// rawClient completes a Noise handshake with n as an initiator and returns
// the conn and cipher states; the Hello exchange is left to the caller.
func rawClient(t testing.TB, n *node, id *crypto.Identity) (net.Conn, *frameReader, *noiseResult) {
	t.Helper()
	c, err := net.Dial("tcp", n.e.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	fr := newFrameReader(c)
	dh := n.id.Public().DH
	nr, err := noiseHandshake(c, fr, id, true, &dh)
	if err != nil {
		t.Fatal(err)
	}
	return c, fr, nr
}

func dialRaw(n *node) (net.Conn, error) { return net.Dial("tcp", n.e.Addr().String()) }
