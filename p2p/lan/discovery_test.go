package lan

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/netip"
	"sync"
	"testing"
	"time"

	"jarvis/crypto"
)

// hub is an in-memory LAN: what one member sends, every member receives
// (the sender too, as multicast loops back), from the sender's address.
type hub struct {
	mu      sync.Mutex
	members []*fakeTransport
	capture [][]byte
}

type fakeTransport struct {
	hub    *hub
	from   netip.AddrPort
	in     chan datagram
	closed chan struct{}
	once   sync.Once
}

func (h *hub) join(ip string) *fakeTransport {
	t := &fakeTransport{hub: h, from: netip.AddrPortFrom(netip.MustParseAddr(ip), DefaultPort),
		in: make(chan datagram, 256), closed: make(chan struct{})}
	h.mu.Lock()
	h.members = append(h.members, t)
	h.mu.Unlock()
	return t
}

func (h *hub) captured() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][]byte(nil), h.capture...)
}

func (t *fakeTransport) send(b []byte) error {
	t.hub.mu.Lock()
	defer t.hub.mu.Unlock()
	t.hub.capture = append(t.hub.capture, bytes.Clone(b))
	for _, m := range t.hub.members {
		select {
		case <-m.closed:
		case m.in <- datagram{data: bytes.Clone(b), from: t.from}:
		default:
		}
	}
	return nil
}
func (t *fakeTransport) packets() <-chan datagram { return t.in }
func (t *fakeTransport) fingerprint() string      { return "" }
func (t *fakeTransport) refresh()                 {}
func (t *fakeTransport) close() error             { t.once.Do(func() { close(t.closed) }); return nil }

type node struct {
	id *crypto.Identity
	d  *Discovery
}

func startNode(t *testing.T, h *hub, ip string, port uint16, now func() time.Time) node {
	t.Helper()
	id, err := crypto.GenerateIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{Identity: id, ListenPort: port, Now: now, transport: h.join(ip)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return node{id: id, d: d}
}

func waitSighting(t *testing.T, n node, within time.Duration) (Sighting, bool) {
	t.Helper()
	select {
	case s := <-n.d.Sightings():
		return s, true
	case <-time.After(within):
		return Sighting{}, false
	}
}

func TestContactsFindEachOtherAndAStrangerFindsNoOne(t *testing.T) {
	h := &hub{}
	a := startNode(t, h, "10.0.0.1", 7420, time.Now)
	b := startNode(t, h, "10.0.0.2", 7777, time.Now)
	c := startNode(t, h, "10.0.0.3", 7420, time.Now)
	stranger, _ := crypto.GenerateIdentity(rand.Reader)
	a.d.SetContacts([]crypto.PublicIdentity{b.id.Public()})
	b.d.SetContacts([]crypto.PublicIdentity{a.id.Public()})
	// C knows A's public keys (say, from an old link code) but is not A's
	// contact: A has no entry for C.
	c.d.SetContacts([]crypto.PublicIdentity{a.id.Public(), stranger.Public()})

	s, ok := waitSighting(t, a, 5*time.Second)
	if !ok || s.Keys != b.id.Public() || s.Addr != "10.0.0.2:7777" {
		t.Fatalf("A's sighting: %+v %v", s, ok)
	}
	s, ok = waitSighting(t, b, 5*time.Second)
	if !ok || s.Keys != a.id.Public() || s.Addr != "10.0.0.1:7420" {
		t.Fatalf("B's sighting: %+v %v", s, ok)
	}
	if s, ok := waitSighting(t, c, 2*time.Second); ok {
		t.Fatalf("C, not A's contact, heard %+v", s)
	}
}

func TestAnnouncementsNameNobodyAndShareNothingBetweenPackets(t *testing.T) {
	h := &hub{}
	clock := time.Now()
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	a := startNode(t, h, "10.0.0.1", 7420, now)
	b, _ := crypto.GenerateIdentity(rand.Reader)
	a.d.SetContacts([]crypto.PublicIdentity{b.Public()})
	waitPackets(t, h, 1)
	mu.Lock()
	clock = clock.Add(epochLength)
	mu.Unlock()
	a.d.SetContacts([]crypto.PublicIdentity{b.Public()}) // announces again, in the next epoch
	waitPackets(t, h, 2)
	pkts := h.captured()
	pa, pb, aid, bid := a.id.Public(), b.Public(), a.id.ID(), b.ID()
	// Four bytes in common with a key or an ID would be a leak (random
	// packets share four given bytes once in 2^32).
	for _, p := range pkts {
		for _, s := range [][]byte{pa.Sign[:], pa.DH[:], pb.Sign[:], pb.DH[:], aid[:], bid[:]} {
			if sharesRun(p, s, 3) {
				t.Fatalf("announcement %x carries part of %x", p, s)
			}
		}
	}
	first, err := decodePacket(pkts[0])
	if err != nil {
		t.Fatal(err)
	}
	last, err := decodePacket(pkts[len(pkts)-1])
	if err != nil {
		t.Fatal(err)
	}
	if first.epoch == last.epoch {
		t.Fatal("the clock moved an epoch but the packets did not")
	}
	if sharesRun(pkts[0][headerLen:], pkts[len(pkts)-1][headerLen:], 3) || first.nonce == last.nonce {
		t.Fatalf("two announcements share bytes beyond the header:\n%x\n%x", pkts[0], pkts[len(pkts)-1])
	}
}

// sharesRun reports whether a and b have a common run of n+1 bytes.
func sharesRun(a, b []byte, n int) bool {
	for i := 0; i+n < len(b); i++ {
		if bytes.Contains(a, b[i:i+n+1]) {
			return true
		}
	}
	return false
}

func waitPackets(t *testing.T, h *hub, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(h.captured()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d announcements, want %d", len(h.captured()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAPairingBeaconIsFoundByItsLocatorOnly(t *testing.T) {
	h := &hub{}
	host := startNode(t, h, "10.0.0.1", 7420, time.Now)
	joiner := startNode(t, h, "10.0.0.2", 7420, time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := host.d.Beacon(ctx, 42, 40001); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancelShort()
	if ap, err := joiner.d.FindPairing(short, 43); err == nil {
		t.Fatalf("locator 43 found %v", ap)
	}
	find, cancelFind := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelFind()
	ap, err := joiner.d.FindPairing(find, 42)
	if err != nil || ap.String() != "10.0.0.1:40001" {
		t.Fatalf("found %v, %v", ap, err)
	}
	// The host does not find its own beacon.
	own, cancelOwn := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancelOwn()
	if ap, err := host.d.FindPairing(own, 42); err == nil {
		t.Fatalf("the host found its own beacon at %v", ap)
	}
}

func TestOldAnnouncementsAndFloodsAreDropped(t *testing.T) {
	id, _ := crypto.GenerateIdentity(rand.Reader)
	peer, _ := crypto.GenerateIdentity(rand.Reader)
	now := time.Now()
	d := &Discovery{cfg: Config{Identity: id, ListenPort: 1, Now: func() time.Time { return now }},
		sightings: make(chan Sighting, 1000)}
	l := newLoop(d)
	l.tokensAt = now
	l.setContacts([]crypto.PublicIdentity{peer.Public()})
	key, _ := peer.LANKey(id.Public())
	announce := func(epoch uint64) datagram {
		p := packet{kind: kindPresence, epoch: epoch}
		rand.Read(p.nonce[:])
		p.entries = append(p.entries, key.Mask(peer.Public(), epoch, p.nonce[:]).Seal(7420))
		return datagram{data: p.encode(), from: netip.MustParseAddrPort("10.0.0.9:7424")}
	}
	l.receive(announce(epochOf(now) - 2))
	if len(d.sightings) != 0 {
		t.Fatal("an announcement two epochs old was taken")
	}
	l.receive(announce(epochOf(now)))
	if len(d.sightings) != 1 {
		t.Fatal("a current announcement was not taken")
	}
	handled := 0
	for range 1000 {
		if l.admit(now) {
			handled++
		}
	}
	if handled > packetBurst {
		t.Fatalf("%d packets handled in one instant, the bucket holds %d", handled, packetBurst)
	}
}
