package p2p

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"jarvis/crypto"
)

// dialFrom dials n from the loopback address ip (Linux routes all of
// 127/8 to lo), so a test can play many hosts and networks.
func dialFrom(ctx context.Context, ip, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return d.DialContext(ctx, "tcp", addr)
}

// rawClientFrom is rawClient from a chosen loopback address, with the
// Hello exchange done: the session is up on n when it returns.
func rawClientFrom(t *testing.T, n *node, id *crypto.Identity, ip string) net.Conn {
	t.Helper()
	c, err := dialFrom(context.Background(), ip, n.e.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	fr := newFrameReader(c)
	nr, err := noiseInitiate(c, fr, id, n.id.Public().DH)
	if err != nil {
		t.Fatal(err)
	}
	if err := sendHello(c, nr.send, makeHello(id, nr.hash, nil)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readHello(fr, nr); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAddrPrefixIsTheSlash24OrSlash64(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:1":              "192.0.2.0/24",
		"[::ffff:192.0.2.9]:1":     "192.0.2.0/24",
		"[2001:db8:1:2:3::4]:7420": "2001:db8:1:2::/64",
	} {
		ta, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := addrPrefix(ta); got != want {
			t.Errorf("addrPrefix(%s) = %s, want %s", addr, got, want)
		}
	}
}

// pipeConn is a distinct net.Conn for admission bookkeeping.
func pipeConn(t *testing.T) net.Conn {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return a
}

func TestAFullPendingTableEvictsItsOldestInsteadOfRefusingTheNewest(t *testing.T) {
	lim := Limits{MaxPending: 3, MaxPerPrefix: 2, HandshakeRate: 1, HandshakeBurst: 100}.withDefaults()
	a := newAdmission(lim)
	now := time.Unix(1000, 0)
	at := func(s int) time.Time { return now.Add(time.Duration(s) * time.Second) }
	x1, x2, x3 := pipeConn(t), pipeConn(t), pipeConn(t)
	y1, z1 := pipeConn(t), pipeConn(t)
	mustAdmit := func(c net.Conn, prefix string, when time.Time, wantEvict net.Conn) {
		t.Helper()
		ok, ev := a.admit(c, prefix, when)
		if !ok || ev != wantEvict {
			t.Fatalf("admit: ok %v, evicted %v, want %v", ok, ev, wantEvict)
		}
	}
	mustAdmit(x1, "x", at(0), nil)
	mustAdmit(y1, "y", at(1), nil)
	mustAdmit(x2, "x", at(2), nil)
	// x holds its two: the third pushes out x's oldest, not y's.
	mustAdmit(x3, "x", at(3), x1)
	// The table holds three: a newcomer pushes out the oldest of all.
	mustAdmit(z1, "z", at(4), y1)
	if a.done(x1) || a.done(y1) {
		t.Fatal("an evicted conn still held a slot")
	}
	if !a.done(x2) || a.perPrefix["x"] != 1 || len(a.pending) != 2 {
		t.Fatalf("after done: %d pending, x has %d", len(a.pending), a.perPrefix["x"])
	}
}

func TestTheHandshakeRateIsPerPrefixAndItsTableBounded(t *testing.T) {
	lim := Limits{HandshakeRate: 1, HandshakeBurst: 2}.withDefaults()
	a := newAdmission(lim)
	now := time.Unix(1000, 0)
	admitted := func(prefix string) bool {
		c := pipeConn(t)
		ok, _ := a.admit(c, prefix, now)
		a.done(c)
		return ok
	}
	if got := []bool{admitted("x"), admitted("x"), admitted("x")}; !slices.Equal(got, []bool{true, true, false}) {
		t.Fatalf("prefix x admitted %v, want its burst of 2", got)
	}
	if !admitted("y") {
		t.Fatal("prefix y paid for x's handshakes")
	}
	now = now.Add(time.Second)
	if got := []bool{admitted("x"), admitted("x")}; !slices.Equal(got, []bool{true, false}) {
		t.Fatalf("prefix x admitted %v after 1 s, want one at 1/s", got)
	}
	for i := range maxPrefixBuckets + 10 {
		a.bucket(string(rune(i+1000)), now)
	}
	if len(a.buckets) > maxPrefixBuckets {
		t.Fatalf("%d buckets, bound %d", len(a.buckets), maxPrefixBuckets)
	}
}

func TestAnIdleConnectionMustSendMessageOneWithinFirstMessage(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.HandshakeTimeout, lim.FirstMessage = 30*time.Second, 200*time.Millisecond
	b := startNode(t, nil, "", lim, nil)
	c, err := dialRaw(b)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	assertClosed(t, c, 5*time.Second) // far less than the 30 s handshake deadline
}

// flood holds idle connections to n from each of ips, per connections
// each, re-opening every one as it is closed, until stop is called.
func flood(t *testing.T, n *node, ips []string, per int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, ip := range ips {
		for range per {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 64)
				for ctx.Err() == nil {
					c, err := dialFrom(ctx, ip, n.e.Addr().String())
					if err == nil {
						stopped := context.AfterFunc(ctx, func() { c.Close() })
						for {
							if _, err := c.Read(buf); err != nil {
								break
							}
						}
						stopped()
						c.Close()
					}
					select {
					case <-ctx.Done():
					case <-time.After(100 * time.Millisecond): // a refused flooder retries, but not in a busy loop
					}
				}
			}()
		}
	}
	return func() { cancel(); wg.Wait() }
}

func TestAnIdleFloodFromOneNetworkDoesNotKeepOutAContact(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.HandshakeTimeout = 10 * time.Second // the numbers: 64 pending, 8 per address
	b := startNode(t, nil, "", lim, nil)
	var ips []string
	for i := 2; i <= 9; i++ {
		ips = append(ips, "127.0.0."+string(rune('0'+i)))
	}
	stop := flood(t, b, ips, 8)
	defer stop()
	time.Sleep(300 * time.Millisecond) // let the flood take its slots
	a := startNode(t, nil, "", fastLimits(), func(ctx context.Context, addr string) (net.Conn, error) {
		return dialFrom(ctx, "127.0.1.1", addr)
	})
	a.e.Connect(b.target(), testHolder)
	waitFor(t, b, 5*time.Second, "the contact's session despite the flood", isUp(a.id.ID()))
}

func TestARandomBytesHandshakeFloodIsRateLimitedPerPrefix(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.HandshakeRate, lim.HandshakeBurst = 5, 10
	b := startNode(t, nil, "", lim, nil)
	junk := func(ip string) {
		c, err := dialFrom(context.Background(), ip, b.e.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		payload := make([]byte, 96)
		_, _ = rand.Read(payload)
		frame, _ := appendFrameHeader(nil, kindHandshake, len(payload))
		_, _ = c.Write(append(frame, payload...))
		assertClosed(t, c, 3*time.Second)
	}
	start := time.Now()
	const tries = 100
	for range tries {
		junk("127.0.0.2")
	}
	elapsed := time.Since(start)
	got := b.e.handshakes.Load()
	if bound := uint64(float64(lim.HandshakeBurst) + lim.HandshakeRate*elapsed.Seconds() + 1); got > bound {
		t.Fatalf("%d of %d junk handshakes processed in %v; the bucket allows %d", got, tries, elapsed, bound)
	}
	junk("127.0.1.2")
	if b.e.handshakes.Load() != got+1 {
		t.Fatal("another network's handshake was refused with the flooder's")
	}
}

func TestStrangerSessionsAreCappedOldestOfTheBusiestNetworkFirst(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.MaxStrangers = 3
	b := startNode(t, nil, "", lim, nil)
	friend := newIdentity(t)
	b.e.Connect(Target{Keys: friend.Public()}, testHolder)
	rawClientFrom(t, b, friend, "127.0.0.1")
	waitFor(t, b, 2*time.Second, "friend's session", isUp(friend.ID()))

	lone := newIdentity(t) // the oldest stranger, alone on its network
	rawClientFrom(t, b, lone, "127.0.1.1")
	waitFor(t, b, 2*time.Second, "lone stranger's session", isUp(lone.ID()))
	var flood []*crypto.Identity
	for range 3 {
		x := newIdentity(t)
		flood = append(flood, x)
		rawClientFrom(t, b, x, "127.0.0.3")
	}
	down := waitFor(t, b, 3*time.Second, "an evicted stranger", func(ev Event) bool { _, ok := ev.(PeerDown); return ok }).(PeerDown)
	if down.ID != flood[0].ID() || !errors.Is(down.Err, ErrEvicted) {
		t.Fatalf("PeerDown %v (%v), want the flood's oldest evicted", down.ID, down.Err)
	}
	expectNone(t, b, 200*time.Millisecond, "another eviction", func(ev Event) bool { _, ok := ev.(PeerDown); return ok })
	if n := b.e.sessions.Load(); n != 4 {
		t.Fatalf("%d sessions, want friend + 3 strangers", n)
	}
}

// A stranger evicted but not yet unregistered (its reader still winding
// down) must not be picked again: each newcomer past the cap closes a live
// session, or a flood of strangers holds sessions without bound (the flood
// soak saw 1,000 open sockets and 400 MiB under MaxStrangers 32).
func TestStrangerCapSkipsSessionsAlreadyClosing(t *testing.T) {
	e := &Engine{limits: Limits{MaxStrangers: 2}, log: slog.New(slog.DiscardHandler), peers: make(map[crypto.ID]*peer)}
	start := time.Now()
	stranger := func(i int) *session {
		local, remote := net.Pipe()
		t.Cleanup(func() { local.Close(); remote.Close() })
		s := &session{conn: local, done: make(chan struct{}), prefix: "127.0.3.0/24", created: start.Add(time.Duration(i) * time.Second)}
		s.info.ID = newIdentity(t).ID()
		e.peers[s.info.ID] = &peer{sess: s}
		return s
	}
	var ss []*session
	for i := range 4 {
		ss = append(ss, stranger(i))
		e.capStrangersLocked()
	}
	for i, want := range []bool{true, true, false, false} {
		if got := ss[i].closing(); got != want {
			t.Errorf("stranger %d (oldest first) closing = %v, want %v", i, got, want)
		}
	}
}
