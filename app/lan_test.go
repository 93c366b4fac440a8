package app

import (
	"slices"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
)

// fakeLAN records what peers tells LAN discovery.
type fakeLAN struct{ last []crypto.PublicIdentity }

func (f *fakeLAN) SetContacts(keys []crypto.PublicIdentity) { f.last = slices.Clone(keys) }

func TestDiscoveryListensForEveryoneHeldAndNoOneElse(t *testing.T) {
	f := &fakeNet{holds: map[crypto.ID][]p2p.Holder{}}
	lan := &fakeLAN{}
	p := newPeers(discardLogger(), holdContacts, holdGroups)
	p.net, p.lan = f, lan
	x, y := testKeys(t), testKeys(t)
	p.connect(holdContacts, p2p.Target{Keys: x})
	p.connect(holdGroups, p2p.Target{Keys: x})
	p.connect(holdGroups, p2p.Target{Keys: y})
	if len(lan.last) != 2 || !slices.Contains(lan.last, x) || !slices.Contains(lan.last, y) {
		t.Fatalf("discovery listens for %d peers, want x and y", len(lan.last))
	}
	p.release(holdGroups, y.ID())
	if len(lan.last) != 1 || lan.last[0] != x {
		t.Fatalf("after y's release discovery listens for %d peers, want x alone", len(lan.last))
	}
}

func TestAPeerHeardOnTheLANIsDialledThereFirst(t *testing.T) {
	f := &fakeNet{holds: map[crypto.ID][]p2p.Holder{}}
	p := newPeers(discardLogger(), holdContacts, holdGroups)
	p.net = f
	x := testKeys(t)
	p.connect(holdContacts, p2p.Target{Keys: x, Addrs: []string{"192.0.2.7:7420"}})
	p.heardOnLAN(x.ID(), "10.1.2.3:7420")
	if got := f.addrs[x.ID()]; !slices.Equal(got, []string{"10.1.2.3:7420", "192.0.2.7:7420"}) {
		t.Fatalf("dials %v", got)
	}
	// A group holding x later dials the heard address first too.
	p.connect(holdGroups, p2p.Target{Keys: x, Addrs: []string{"198.51.100.1:7420"}})
	if got := f.addrs[x.ID()]; len(got) == 0 || got[0] != "10.1.2.3:7420" {
		t.Fatalf("the group's dial list %v does not start with the heard address", got)
	}
	// Not heard again for a while: x has left the network.
	now := time.Now().Add(heardFor)
	p.now = func() time.Time { return now }
	p.connect(holdContacts, p2p.Target{Keys: x, Addrs: []string{"192.0.2.7:7420"}})
	if got := f.addrs[x.ID()]; slices.Contains(got, "10.1.2.3:7420") {
		t.Fatalf("a stale heard address is still dialled: %v", got)
	}
}

func TestSessionsOnPrivateAddressesAreOnTheLAN(t *testing.T) {
	for remote, want := range map[string]string{
		"10.231.0.12:7420":    PathLAN,
		"192.168.1.20:7420":   PathLAN,
		"[fe80::1%eth0]:7420": PathLAN,
		"[fd00::2]:7420":      PathLAN,
		"192.0.2.7:7420":      PathDirect,
		"127.0.0.1:7420":      PathDirect,
		"100.64.0.1:7420":     PathDirect, // carrier NAT: not the same room
		"[2001:db8::1]:7420":  PathDirect,
		"not an address":      PathDirect,
	} {
		if got, _ := sessionPath(p2p.PeerInfo{Remote: remote}); got != want {
			t.Errorf("%s: path %q, want %q", remote, got, want)
		}
	}
}
