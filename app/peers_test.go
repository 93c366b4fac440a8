package app

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
)

// fakeNet records what peers asks of the engine.
type fakeNet struct {
	mu    sync.Mutex
	holds map[crypto.ID][]p2p.Holder
	addrs map[crypto.ID][]string // the last target's addresses
	drops []crypto.ID
}

func (f *fakeNet) Connect(t p2p.Target, h p2p.Holder) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := t.Keys.ID()
	if f.addrs == nil {
		f.addrs = make(map[crypto.ID][]string)
	}
	f.addrs[id] = slices.Clone(t.Addrs)
	if !slices.Contains(f.holds[id], h) {
		f.holds[id] = append(f.holds[id], h)
	}
}

func (f *fakeNet) Release(id crypto.ID, h p2p.Holder) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.holds[id] = slices.DeleteFunc(f.holds[id], func(x p2p.Holder) bool { return x == h })
	if len(f.holds[id]) == 0 {
		delete(f.holds, id)
	}
}

func (f *fakeNet) Drop(id crypto.ID, _ uint64, _ error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.drops = append(f.drops, id)
}

func (f *fakeNet) TrySend(crypto.ID, ...wire.Message) error { return p2p.ErrQueueFull }
func (f *fakeNet) MaxBatch() int                            { return 4096 }

func testKeys(t *testing.T) crypto.PublicIdentity {
	t.Helper()
	id, err := crypto.GenerateIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id.Public()
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestHoldReleasesOnlyWhatTheHolderNoLongerWants(t *testing.T) {
	f := &fakeNet{holds: map[crypto.ID][]p2p.Holder{}}
	p := newPeers(discardLogger(), holdContacts, holdGroups)
	p.net = f
	x, y := testKeys(t), testKeys(t)
	p.connect(holdContacts, p2p.Target{Keys: x})
	p.hold(holdGroups, []p2p.Target{{Keys: x}, {Keys: y}})
	p.release(holdContacts, x.ID()) // the contact is removed; the group keeps x
	if got := f.holds[x.ID()]; !slices.Equal(got, []p2p.Holder{holdGroups}) {
		t.Fatalf("x held by %v", got)
	}
	p.hold(holdGroups, []p2p.Target{{Keys: x}}) // y left the group
	if _, ok := f.holds[y.ID()]; ok {
		t.Fatal("y still held after leaving every group")
	}
	if _, ok := f.holds[x.ID()]; !ok {
		t.Fatal("x released though still a member")
	}
}

func TestPresenceFollowsTheCurrentSessionOnly(t *testing.T) {
	p := newPeers(discardLogger())
	id := crypto.ID{5}
	p.observe(p2p.PeerUp{Peer: p2p.PeerInfo{ID: id, Session: 1, Remote: "192.0.2.1:7420"}})
	p.observe(p2p.PeerDown{ID: id, Session: 1})
	p.observe(p2p.PeerUp{Peer: p2p.PeerInfo{ID: id, Session: 2, Remote: "192.0.2.1:7421"}})
	before := p.presence.Load()
	p.observe(p2p.PeerDown{ID: id, Session: 1}) // late news of the old session
	pr, ok := p.get(id)
	if !ok || pr.Session != 2 || pr.Path != PathDirect || pr.Remote != "192.0.2.1:7421" {
		t.Fatalf("presence %+v, %v", pr, ok)
	}
	if p.presence.Load() != before {
		t.Fatal("a stale PeerDown republished the table")
	}
	p.observe(p2p.PeerDown{ID: id, Session: 2})
	if p.online(id) {
		t.Fatal("still online after its session went down")
	}
}

func TestRoomWakesEveryHolder(t *testing.T) {
	p := newPeers(discardLogger(), holdContacts, holdGroups)
	p.writable(crypto.ID{1}, 1)
	p.writable(crypto.ID{1}, 1) // a second signal before anyone looked is one wake-up
	for _, h := range []p2p.Holder{holdContacts, holdGroups} {
		select {
		case <-p.room(h):
		default:
			t.Fatalf("%s not woken", h)
		}
	}
}

// dialCounter counts dials, and can freeze the conns it made to one
// address: writes block, as to a peer that stopped reading its socket.
type dialCounter struct {
	n      atomic.Int64
	mu     sync.Mutex
	freeze string                 // address whose conns can be frozen
	thawed chan struct{}          // closed while writes flow
	refuse func(addr string) bool // nil refuses nothing
}

func newDialCounter() *dialCounter {
	d := &dialCounter{thawed: make(chan struct{})}
	close(d.thawed)
	return d
}

func (d *dialCounter) dial(ctx context.Context, addr string) (net.Conn, error) {
	d.n.Add(1)
	if d.refuse != nil && d.refuse(addr) {
		return nil, errors.New("test: dial refused")
	}
	var nd net.Dialer
	c, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil || addr != d.freeze {
		return c, err
	}
	return &freezableConn{Conn: c, d: d, closed: make(chan struct{})}, nil
}

func (d *dialCounter) setFrozen(frozen bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.thawed:
		if frozen {
			d.thawed = make(chan struct{})
		}
	default:
		if !frozen {
			close(d.thawed)
		}
	}
}

func (d *dialCounter) gate() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.thawed
}

type freezableConn struct {
	net.Conn
	d      *dialCounter
	once   sync.Once
	closed chan struct{}
}

func (c *freezableConn) Write(b []byte) (int, error) {
	select {
	case <-c.d.gate():
	case <-c.closed:
		return 0, net.ErrClosed
	}
	return c.Conn.Write(b)
}

func (c *freezableConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

func TestRemovingAContactWhoIsAGroupMemberKeepsTheGroupSessionWithoutRedialling(t *testing.T) {
	ctx := context.Background()
	da, db := newDialCounter(), newDialCounter()
	a := newNode(t, "a", t.TempDir(), "", func(c *Config) { c.Dial = da.dial })
	b := newNode(t, "b", t.TempDir(), "", func(c *Config) { c.Dial = db.dial })
	gid := makeGroup(t, a, b)
	bID := b.core.Self().ID
	before, _ := a.core.Presence(bID)
	dials := da.n.Load() + db.n.Load()

	if err := a.core.Remove(ctx, bID); err != nil {
		t.Fatal(err)
	}
	sendGroup(t, a, gid, "still in the group")
	b.waitFor("group message after the contact was removed", isGroupText(gid, "still in the group"))
	time.Sleep(4 * fastLimits.BackoffMax) // long enough for any redial loop to show
	if n := da.n.Load() + db.n.Load(); n != dials {
		t.Fatalf("%d dials after removing the contact, want none", n-dials)
	}
	after, ok := a.core.Presence(bID)
	if !ok || after.Session != before.Session {
		t.Fatalf("session changed: before %d, after %d (online %v)", before.Session, after.Session, ok)
	}
}

func TestAGroupPeerThatStopsReadingDoesNotDelayAnotherPeersChat(t *testing.T) {
	ctx := context.Background()
	// H (hostile) never dials, so the one session A–H is A's outbound
	// conn, which da can freeze. C keeps posting to the group, so A's
	// router and group manager are busy while H's queue is full.
	da, dh := newDialCounter(), newDialCounter()
	h := newNode(t, "h", t.TempDir(), "", func(c *Config) { c.Dial = dh.dial })
	a := newNode(t, "a", t.TempDir(), "", func(c *Config) {
		c.Dial = da.dial
		c.Limits.SendQueue = 512 // fill it with fewer group messages
	})
	dh.refuse = func(string) bool { return true }
	da.freeze = h.core.Self().ListenAddr
	b := newNode(t, "b", t.TempDir(), "")
	c := newNode(t, "c", t.TempDir(), "")
	gid := makeGroup(t, a, h, c)
	befriend(t, a, b)
	aID, bID, hID := a.core.Self().ID, b.core.Self().ID, h.core.Self().ID

	da.setFrozen(true)
	defer da.setFrozen(false)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, n := range []*node{a, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			postUntil(ctx, n, gid, stop)
		}()
	}
	defer wg.Wait()
	defer close(stop)
	eventually(t, "A's queue to H full", func() bool {
		return errors.Is(a.core.engine.TrySend(hID, wire.Typing{}), p2p.ErrQueueFull)
	})

	for _, dir := range []struct {
		name     string
		from, to *node
		toID     crypto.ID
	}{{"A→B", a, b, bID}, {"B→A", b, a, aID}} {
		var took []time.Duration
		for i := 0; i < 5; i++ {
			text := dir.name + " " + msgText(i)
			start := time.Now()
			if _, err := dir.from.core.Send(ctx, ContactChat(dir.toID), text); err != nil {
				t.Fatal(err)
			}
			dir.to.waitFor(text, isReceived(text))
			took = append(took, time.Since(start))
		}
		sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
		t.Logf("%s with H frozen and the group busy: %v", dir.name, took)
		if med := took[len(took)/2]; med > 100*time.Millisecond {
			t.Fatalf("%s took %v (median) while H stopped reading", dir.name, med)
		}
	}
}

// postUntil posts a 2 kB group message from n every 2 ms until stop is
// closed: steady traffic, short of starving the machine's two cores.
func postUntil(ctx context.Context, n *node, gid crypto.GroupID, stop <-chan struct{}) {
	body := string(make([]byte, 2000))
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		if _, err := n.core.Send(ctx, GroupChat(gid), body); err != nil {
			return
		}
	}
}

func TestOutboxFlushResumesWhenAFullSessionHasRoom(t *testing.T) {
	ctx := context.Background()
	// B never dials A, so A's outbound conn (which da freezes) is the session.
	da, db := newDialCounter(), newDialCounter()
	b := newNode(t, "b", t.TempDir(), "", func(c *Config) { c.Dial = db.dial })
	a := newNode(t, "a", t.TempDir(), "", func(c *Config) {
		c.Dial = da.dial
		c.Limits.SendQueue = 32
	})
	db.refuse = func(string) bool { return true }
	da.freeze = b.core.Self().ListenAddr
	befriend(t, a, b)
	bID := b.core.Self().ID

	da.setFrozen(true)
	const n = 200
	for i := 0; i < n; i++ {
		if _, err := a.core.Send(ctx, ContactChat(bID), msgText(i)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "A's queue to B full", func() bool {
		return errors.Is(a.core.engine.TrySend(bID, wire.Typing{}), p2p.ErrQueueFull)
	})
	da.setFrozen(false)
	// No timer retries the flush: only the engine's room signal can finish it.
	b.waitFor("the last message", isReceived(msgText(n-1)))
	for i := 0; i < n; i++ {
		if b.count(isReceived(msgText(i))) != 1 {
			t.Fatalf("message %d arrived %d times", i, b.count(isReceived(msgText(i))))
		}
	}
}

// Roster addresses are written by other members: the engine must never be
// asked to dial a host name, a link-local address or (unless we listen
// there) loopback because a roster said so.
func TestRosterAddressesReachTheEngineOnlyIfWeMayDialThem(t *testing.T) {
	f := &fakeNet{holds: map[crypto.ID][]p2p.Holder{}}
	p := newPeers(discardLogger(), holdContacts, holdGroups)
	p.net = f
	x := testKeys(t)
	p.hold(holdGroups, []p2p.Target{{Keys: x, Addrs: []string{
		"intranet.example:80", "169.254.169.254:80", "127.0.0.1:6379", "[fe80::1]:22", "203.0.113.9:7420",
	}}})
	if got := f.addrs[x.ID()]; !slices.Equal(got, []string{"203.0.113.9:7420"}) {
		t.Fatalf("the engine dials %v", got)
	}
	// A contact's link code, typed by the user, is taken as given.
	p.connect(holdContacts, p2p.Target{Keys: x, Addrs: []string{"friend.example:7420"}})
	if got := f.addrs[x.ID()]; !slices.Equal(got, []string{"friend.example:7420"}) {
		t.Fatalf("the link code's address became %v", got)
	}
}
