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
	return startNodeCfg(t, Config{Identity: id, ListenAddr: addr, Limits: lim, Dial: dial})
}

// startNodeCfg runs an engine built from cfg; a nil Identity is generated.
func startNodeCfg(t testing.TB, cfg Config) *node {
	t.Helper()
	if cfg.Identity == nil {
		cfg.Identity = newIdentity(t)
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = "127.0.0.1:0"
	}
	id := cfg.Identity
	e, err := New(cfg)
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
	var id crypto.MessageID
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
	nr, err := noiseInitiate(c, fr, id, dh)
	if err != nil {
		t.Fatal(err)
	}
	return c, fr, nr
}

// rawSession is a raw client of n that completed the handshake and the
// Hello exchange, once n reported the peer up.
func rawSession(t testing.TB, n *node) (net.Conn, *noiseResult, *crypto.Identity) {
	t.Helper()
	x := newIdentity(t)
	c, fr, nr := rawClient(t, n, x)
	if err := sendHello(c, nr.send, makeHello(x, nr.hash, nil)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readHello(fr, nr); err != nil {
		t.Fatal(err)
	}
	waitFor(t, n, 2*time.Second, "PeerUp", isUp(x.ID()))
	return c, nr, x
}

func dialRaw(n *node) (net.Conn, error) { return net.Dial("tcp", n.e.Addr().String()) }

// testHolder is the interest tests hold in the peers they connect to.
const testHolder Holder = "test"

// freezer hands out conns whose writes block while it is frozen, standing
// in for a peer whose socket buffers are full because it stopped reading.
type freezer struct {
	mu     sync.Mutex
	thawed chan struct{} // closed while writes flow
	dials  int
}

func newFreezer() *freezer {
	f := &freezer{thawed: make(chan struct{})}
	close(f.thawed)
	return f
}

func (f *freezer) set(frozen bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.thawed:
		if frozen {
			f.thawed = make(chan struct{})
		}
	default:
		if !frozen {
			close(f.thawed)
		}
	}
}

func (f *freezer) gate() chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.thawed
}

func (f *freezer) dial(ctx context.Context, addr string) (net.Conn, error) {
	f.mu.Lock()
	f.dials++
	f.mu.Unlock()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &frozenConn{Conn: c, f: f, closed: make(chan struct{})}, nil
}

type frozenConn struct {
	net.Conn
	f      *freezer
	once   sync.Once
	closed chan struct{}
}

func (c *frozenConn) Write(b []byte) (int, error) {
	select {
	case <-c.f.gate():
	case <-c.closed:
		return 0, net.ErrClosed
	}
	return c.Conn.Write(b)
}

func (c *frozenConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}
