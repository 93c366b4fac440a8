package app

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/store"
)

// refuseDial leaves a node unable to dial anyone: whoever wants a session
// with it must find it.
func refuseDial(cfg *Config) {
	cfg.Dial = func(context.Context, string) (net.Conn, error) {
		return nil, errors.New("this node dials no one")
	}
}

// loopbackDialOnly keeps a node's dials on this machine, whatever
// addresses a test feeds it.
func loopbackDialOnly(cfg *Config) {
	var d net.Dialer
	cfg.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
		if !strings.HasPrefix(addr, "127.") {
			return nil, errors.New("not dialled in tests")
		}
		return d.DialContext(ctx, "tcp", addr)
	}
}

// storedRecord is the address record n keeps for id.
func storedRecord(n *node, id crypto.ID) (store.AddrRecord, bool) {
	r, err := n.account.store.AddrRecord(context.Background(), id)
	return r, err == nil
}

func waitRecord(t *testing.T, n *node, id crypto.ID, addrs []string) store.AddrRecord {
	t.Helper()
	var r store.AddrRecord
	eventually(t, n.name+" stores the record", func() bool {
		var ok bool
		r, ok = storedRecord(n, id)
		return ok && slices.Equal(r.Addrs, addrs)
	})
	return r
}

// onBook runs fn on n's address book goroutine.
func onBook(t *testing.T, n *node, fn func(ctx context.Context, b *addrBook)) {
	t.Helper()
	err := call(context.Background(), n.core, n.core.addrs.cmds, func(ctx context.Context, b *addrBook) error {
		fn(ctx, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func isOnline(id crypto.ID) func(Event) bool {
	return func(e Event) bool {
		p, ok := e.(PeerStatus)
		return ok && p.ID == id && p.Online
	}
}

func TestAContactWhoMovedIsFoundThroughItsRecordWithoutNewCodes(t *testing.T) {
	ann := newNode(t, "ann", t.TempDir(), "")
	bob := newNode(t, "bob", t.TempDir(), "")
	befriend(t, ann, bob)
	bobID := bob.core.Self().ID
	bob.stop()

	// Bob comes back on another IP and port. His Hello names them, but off
	// the IP his session comes from (127.0.0.1), so that cannot teach ann;
	// only his signed record can.
	bob = newNode(t, "bob", bob.dir, "127.0.0.2:0")
	moved := bob.core.Self().Addrs
	waitRecord(t, ann, bobID, moved)
	c, err := ann.account.store.Contact(context.Background(), bobID)
	if err != nil || slices.Contains(c.Addrs, moved[0]) {
		t.Fatalf("ann's contact addresses %v (%v): the test must not pass without the record", c.Addrs, err)
	}

	// Now bob cannot dial anyone, and ann starts afresh: she must find him
	// from what she stored.
	ann.stop()
	bob.stop()
	newNode(t, "bob", bob.dir, bob.listen, refuseDial) // stopped by its cleanup
	ann = ann.restart()
	ann.waitFor("bob online at his new address", isOnline(bobID))
}

func TestAGroupMemberWhoIsNotAContactFollowsAMove(t *testing.T) {
	ann := newNode(t, "ann", t.TempDir(), "")
	bob := newNode(t, "bob", t.TempDir(), "")
	cat := newNode(t, "cat", t.TempDir(), "")
	makeGroup(t, ann, bob, cat) // bob and cat are contacts of ann's only
	bobID := bob.core.Self().ID
	bob.stop()
	bob = newNode(t, "bob", bob.dir, "127.0.0.2:0")
	waitRecord(t, cat, bobID, bob.core.Self().Addrs)

	ann.stop()
	cat.stop()
	bob.stop()
	newNode(t, "bob", bob.dir, bob.listen, refuseDial) // stopped by its cleanup
	cat = cat.restart()
	eventually(t, "cat reaches bob", func() bool { return groupOnline(t, cat, bobID) })
}

func TestAddrRecordsAreCheckedBeforeTheyAreKept(t *testing.T) {
	ctx := context.Background()
	ann := newNode(t, "ann", t.TempDir(), "", loopbackDialOnly)
	bob := newNode(t, "bob", t.TempDir(), "")
	befriend(t, ann, bob)
	bobID := bob.core.Self().ID
	base := waitRecord(t, ann, bobID, bob.core.Self().Addrs).Version
	mallory, err := crypto.GenerateIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(id *crypto.Identity, v uint64, addrs ...string) crypto.AddrRecord {
		r, err := crypto.SignAddrRecord(id, v, addrs)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	feed := func(r crypto.AddrRecord) {
		onBook(t, ann, func(ctx context.Context, b *addrBook) {
			b.gap = 0
			pr, _ := b.peers.get(bobID)
			b.receive(ctx, bobID, pr.Session, r)
		})
	}
	want := func(what string, v uint64, addrs ...string) {
		t.Helper()
		r, err := ann.account.store.AddrRecord(ctx, bobID)
		if err != nil || r.Version != v || !slices.Equal(r.Addrs, addrs) {
			t.Fatalf("%s: stored %+v, %v; want version %d of %v", what, r, err, v, addrs)
		}
		ann.core.peers.mu.Lock()
		dialled := slices.Clone(ann.core.peers.recorded[bobID])
		ann.core.peers.mu.Unlock()
		if !slices.Equal(dialled, addrs) {
			t.Fatalf("%s: dialling %v, want %v", what, dialled, addrs)
		}
	}

	feed(sign(bob.core.identity, base+10, "127.0.0.1:1111"))
	want("a newer record", base+10, "127.0.0.1:1111")
	feed(sign(bob.core.identity, base+5, "127.0.0.1:2222"))
	want("an older record", base+10, "127.0.0.1:1111")
	feed(sign(bob.core.identity, base+10, "127.0.0.1:2222"))
	want("the same version again", base+10, "127.0.0.1:1111")
	forged := sign(mallory, base+20, "127.0.0.1:3333")
	forged.Owner = bobID
	feed(forged)
	want("a record signed by another key", base+10, "127.0.0.1:1111")

	onion := "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion:7420"
	feed(sign(bob.core.identity, base+30,
		"127.0.0.1:4444",      // loopback: ann runs on loopback herself
		"169.254.7.7:7420",    // link-local
		"10.9.8.7:7420",       // private, and not where bob's session comes from
		"[fe80::1%eth0]:7420", // zoned
		"224.0.0.9:7420",      // multicast
		"bob.example:7420",    // a name: it could resolve anywhere
		"192.0.2.44:7420",     // public unicast
		onion))
	want("a mixed record", base+30, "127.0.0.1:4444", "192.0.2.44:7420", onion)
}

func TestOurAddressesChangingWhileWeRunReachContactsAndGroupMembers(t *testing.T) {
	ann := newNode(t, "ann", t.TempDir(), "")
	bob := newNode(t, "bob", t.TempDir(), "")
	cat := newNode(t, "cat", t.TempDir(), "")
	g := makeGroup(t, ann, bob, cat)
	bobID := bob.core.Self().ID
	first := bob.core.Self().Addrs
	_, port, _ := net.SplitHostPort(first[0])
	moved := append(slices.Clone(first), net.JoinHostPort("127.0.0.9", port))
	eventually(t, "cat has a session with bob", func() bool { return groupOnline(t, cat, bobID) })

	// The phone joins another network.
	onBook(t, bob, func(ctx context.Context, b *addrBook) {
		b.current = func() ([]string, error) { return moved, nil }
		b.refresh(ctx)
	})
	self := bob.core.Self()
	code, err := crypto.ParseLinkCode(self.Code)
	if err != nil || !slices.Equal(self.Addrs, moved) || !slices.Equal(code.Addrs, moved) {
		t.Fatalf("Self after the move: %v, code %v (%v)", self.Addrs, code.Addrs, err)
	}
	rec := waitRecord(t, ann, bobID, moved)
	waitRecord(t, cat, bobID, moved)
	eventually(t, "cat's roster has bob's new addresses", func() bool {
		var got []string
		onManager(t, cat, func(_ context.Context, m *groupManager) {
			if me, ok := m.groups[g].member(bobID); ok {
				got = me.Addrs
			}
		})
		return slices.Equal(got, moved)
	})

	// Back on the old network after a restart: a newer version again.
	bob = bob.restart()
	own := waitRecord(t, bob, bobID, first)
	if own.Version <= rec.Version {
		t.Fatalf("after the restart bob publishes version %d; want one above %d", own.Version, rec.Version)
	}
	if got := waitRecord(t, ann, bobID, first); got.Version != own.Version {
		t.Fatalf("ann stores version %d, bob published %d", got.Version, own.Version)
	}
}

func TestSignedRecordAddressesKeepOnlyWhatCannotAimUsAtOurOwnNetwork(t *testing.T) {
	onion := "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion:7420"
	in := []string{
		"192.168.1.5:7420", "192.168.1.6:7420", "10.0.0.1:7420", "172.16.0.1:7420", "100.64.1.1:7420",
		"[fd00::1]:7420", "203.0.113.9:7420", "[2001:db8::1]:7420", "127.0.0.1:7420", "169.254.1.1:7420",
		"[fe80::1]:7420", "[fe80::1%eth0]:7420", "224.0.0.1:7420", "255.255.255.255:7420", "0.0.0.0:7420",
		"[::ffff:192.168.1.5]:7420", "host.example:7420", onion,
	}
	cases := []struct {
		name   string
		policy addrPolicy
		remote string
		want   []string
	}{
		{"from a LAN peer", addrPolicy{}, "192.168.1.5:50000",
			[]string{"192.168.1.5:7420", "203.0.113.9:7420", "[2001:db8::1]:7420", "[::ffff:192.168.1.5]:7420", onion}},
		{"from a CGNAT peer", addrPolicy{}, "100.64.1.1:50000",
			[]string{"100.64.1.1:7420", "203.0.113.9:7420", "[2001:db8::1]:7420", onion}},
		{"over Tor", addrPolicy{}, "",
			[]string{"203.0.113.9:7420", "[2001:db8::1]:7420", onion}},
		{"when we run on loopback", addrPolicy{loopback: true}, "203.0.113.9:50000",
			[]string{"203.0.113.9:7420", "[2001:db8::1]:7420", "127.0.0.1:7420", onion}},
	}
	for _, c := range cases {
		if got := c.policy.signed(in, c.remote); !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.name, got, c.want)
		}
	}
}

func TestOurRecordVersionAlwaysGrows(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	for _, c := range []struct {
		prev uint64
		now  time.Time
		want uint64
	}{
		{0, now, 1_700_000_000_000},                 // the clock sets the floor
		{2_000_000_000_000, now, 2_000_000_000_001}, // a clock that went back
		{5, time.Unix(0, 0), 6},                     // no clock at all
	} {
		if got := nextAddrVersion(c.prev, c.now); got != c.want {
			t.Errorf("next(%d, %v) = %d, want %d", c.prev, c.now, got, c.want)
		}
	}
}

func TestAPeerFloodingRecordsGetsAFewStored(t *testing.T) {
	now := time.Unix(1000, 0)
	b := &addrBook{budget: make(map[crypto.ID]recordBudget), gap: addrRecordGap, now: func() time.Time { return now }}
	flood, other := crypto.ID{1}, crypto.ID{2}
	for i := range addrRecordBurst {
		if !b.take(flood) {
			t.Fatalf("record %d of a burst refused", i+1)
		}
	}
	if b.take(flood) {
		t.Fatal("a record past the burst was taken")
	}
	if !b.take(other) {
		t.Fatal("one peer's flood cost another its record")
	}
	now = now.Add(addrRecordGap)
	if !b.take(flood) || b.take(flood) {
		t.Fatal("want exactly one more record per gap")
	}
}

func TestRecordAddressesComeFirstAndHideNoneOfTheCodes(t *testing.T) {
	full := make([]string, crypto.MaxAddrs)
	for i := range full {
		full[i] = net.JoinHostPort("192.0.2.1", strconv.Itoa(7000+i))
	}
	code := []string{"198.51.100.1:7420", full[0]}
	got := recordFirst(full, code)
	if want := append(slices.Clone(full), "198.51.100.1:7420"); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := recordFirst(nil, code); !slices.Equal(got, code) {
		t.Fatalf("without a record: %v", got)
	}
}
