package p2p

import (
	"context"
	"errors"
	"net"
	"reflect"
	"sync"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

func TestTwoEnginesExchangeTextBothWays(t *testing.T) {
	checkLeaks(t)
	a := startNode(t, nil, "", fastLimits(), nil)
	b := startNode(t, nil, "", fastLimits(), nil)
	a.e.Connect(b.target(), testHolder)

	upA := waitFor(t, a, 5*time.Second, "PeerUp on A", isUp(b.id.ID())).(PeerUp)
	upB := waitFor(t, b, 5*time.Second, "PeerUp on B", isUp(a.id.ID())).(PeerUp)
	if !upA.Peer.Outbound || upB.Peer.Outbound {
		t.Fatalf("outbound flags: A %v, B %v", upA.Peer.Outbound, upB.Peer.Outbound)
	}
	if upB.Peer.Keys != a.id.Public() {
		t.Fatal("B learned the wrong keys for A")
	}

	ctx := context.Background()
	m1, m2 := text("hello B"), text("hello A")
	if err := a.e.Send(ctx, b.id.ID(), m1); err != nil {
		t.Fatal(err)
	}
	got := waitFor(t, b, 5*time.Second, "Text on B", func(ev Event) bool { _, ok := ev.(Received); return ok }).(Received)
	if got.From != a.id.ID() || got.Session != upB.Peer.Session || !reflect.DeepEqual(got.Msgs, []wire.Message{m1}) {
		t.Fatalf("B received %#v", got)
	}
	if err := b.e.Send(ctx, a.id.ID(), m2); err != nil {
		t.Fatal(err)
	}
	got = waitFor(t, a, 5*time.Second, "Text on A", func(ev Event) bool { _, ok := ev.(Received); return ok }).(Received)
	if got.From != b.id.ID() || !reflect.DeepEqual(got.Msgs, []wire.Message{m2}) {
		t.Fatalf("A received %#v", got)
	}
	if n := a.e.sessions.Load(); n != 1 {
		t.Fatalf("%d live sessions on A", n)
	}

	b.stop(t)
	down := waitFor(t, a, 5*time.Second, "PeerDown on A", isDown(b.id.ID())).(PeerDown)
	if down.Session != upA.Peer.Session || down.Err == nil {
		t.Fatalf("PeerDown %+v", down)
	}
	if err := a.e.Send(ctx, b.id.ID(), m1); !errors.Is(err, ErrNoSession) {
		t.Fatalf("Send with no session: %v", err)
	}
}

func TestSendRejectsEngineInternalMessages(t *testing.T) {
	checkLeaks(t)
	a := startNode(t, nil, "", fastLimits(), nil)
	for _, m := range []wire.Message{wire.Hello{}, wire.Ping{}, wire.Pong{}, wire.Rekey{}} {
		if err := a.e.Send(context.Background(), crypto.ID{1}, m); !errors.Is(err, ErrInternalType) {
			t.Errorf("Send(%T) = %v", m, err)
		}
	}
}

func TestImpostorWithOtherDHKeyGetsNoSession(t *testing.T) {
	checkLeaks(t)
	a := startNode(t, nil, "", fastLimits(), nil)
	b := newIdentity(t)
	m := startNode(t, nil, "", fastLimits(), nil)
	// A believes B lives at M's address; M cannot prove B's DH key.
	a.e.Connect(Target{Keys: b.Public(), Addrs: []string{m.e.Addr().String()}}, testHolder)
	expectNone(t, a, 700*time.Millisecond, "session with impostor", isAnyUpOrReceived)
	expectNone(t, m, 10*time.Millisecond, "session on impostor", isAnyUpOrReceived)
}

func TestImpostorClaimingAnotherSignKeyGetsNoSession(t *testing.T) {
	checkLeaks(t)
	a := startNode(t, nil, "", fastLimits(), nil)
	b := newIdentity(t)
	m := startNode(t, nil, "", fastLimits(), nil)
	// The pinned DH key is M's, but the pinned Sign key is B's: M's Hello
	// proves M's own Sign key, so the ID does not match the target.
	keys := crypto.PublicIdentity{Sign: b.Public().Sign, DH: m.id.Public().DH}
	a.e.Connect(Target{Keys: keys, Addrs: []string{m.e.Addr().String()}}, testHolder)
	expectNone(t, a, 700*time.Millisecond, "session with impostor", isAnyUpOrReceived)
}

func TestValidRawClientIsAccepted(t *testing.T) {
	// The control for the forged-Hello test: the same path with an honest Hello works.
	checkLeaks(t)
	b := startNode(t, nil, "", fastLimits(), nil)
	x := newIdentity(t)
	c, fr, nr := rawClient(t, b, x)
	if err := sendHello(c, nr.send, makeHello(x, nr.hash, nil)); err != nil {
		t.Fatal(err)
	}
	peer, _, err := readHello(fr, nr)
	if err != nil || peer != b.id.Public() {
		t.Fatalf("B's Hello: %v %v", peer, err)
	}
	waitFor(t, b, 2*time.Second, "PeerUp for honest client", isUp(x.ID()))
}

// recordingConn keeps a copy of everything written.
type recordingConn struct {
	net.Conn
	mu  *sync.Mutex
	buf *[]byte
}

func (r recordingConn) Write(b []byte) (int, error) {
	r.mu.Lock()
	*r.buf = append(*r.buf, b...)
	r.mu.Unlock()
	return r.Conn.Write(b)
}

func TestReplayedSessionIsRejected(t *testing.T) {
	checkLeaks(t)
	var mu sync.Mutex
	var rec []byte
	var once sync.Once
	dial := func(ctx context.Context, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		var out net.Conn = c
		once.Do(func() { out = recordingConn{Conn: c, mu: &mu, buf: &rec} })
		return out, nil
	}
	b := startNode(t, nil, "", fastLimits(), nil)
	a := startNode(t, nil, "", fastLimits(), dial)
	a.e.Connect(b.target(), testHolder)
	waitFor(t, b, 5*time.Second, "PeerUp on B", isUp(a.id.ID()))
	waitFor(t, a, 5*time.Second, "PeerUp on A", isUp(b.id.ID()))
	if err := a.e.Send(context.Background(), b.id.ID(), text("once only")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, 5*time.Second, "Received on B", func(ev Event) bool { _, ok := ev.(Received); return ok })
	a.stop(t)
	waitFor(t, b, 5*time.Second, "PeerDown on B", isDown(a.id.ID()))

	mu.Lock()
	replay := append([]byte(nil), rec...)
	mu.Unlock()
	c, err := net.Dial("tcp", b.e.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(replay); err != nil {
		t.Fatal(err)
	}
	assertClosed(t, c, 3*time.Second)
	expectNone(t, b, 300*time.Millisecond, "event from replay", isAnyUpOrReceived)
}

func TestOversizedFrameHeaderClosesConnection(t *testing.T) {
	checkLeaks(t)
	b := startNode(t, nil, "", fastLimits(), nil)
	for _, hdr := range [][]byte{
		{frameVersion, kindHandshake, 0xFF, 0xFF},
		{frameVersion, kindHandshake, (MaxFrame + 1) >> 8, (MaxFrame + 1) & 0xFF},
		{2, kindHandshake, 0, 32},
		{frameVersion, kindTransport, 0, 32},
	} {
		c, err := net.Dial("tcp", b.e.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(hdr); err != nil {
			t.Fatal(err)
		}
		assertClosed(t, c, time.Second) // long before the 2 s handshake timeout
		c.Close()
	}
}

func TestSilentConnectionIsDroppedAfterHandshakeTimeout(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.HandshakeTimeout = 300 * time.Millisecond
	b := startNode(t, nil, "", lim, nil)
	c, err := net.Dial("tcp", b.e.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	assertClosed(t, c, 3*time.Second)
	if el := time.Since(start); el < 250*time.Millisecond {
		t.Fatalf("closed after %v, before the handshake timeout", el)
	}
}

func TestSilentSessionIsDroppedAfterIdleTimeout(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.IdleTimeout = 300 * time.Millisecond
	b := startNode(t, nil, "", lim, nil)
	_, _, x := rawSession(t, b)
	waitFor(t, b, 3*time.Second, "PeerDown after idle", isDown(x.ID()))
}

func TestKeepaliveHoldsAnIdleSessionOpen(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.Keepalive, lim.IdleTimeout = 40*time.Millisecond, 250*time.Millisecond
	a := startNode(t, nil, "", lim, nil)
	b := startNode(t, nil, "", lim, nil)
	a.e.Connect(b.target(), testHolder)
	waitFor(t, a, 5*time.Second, "PeerUp", isUp(b.id.ID()))
	expectNone(t, a, time.Second, "PeerDown while keepalives flow", isDown(b.id.ID()))
}
