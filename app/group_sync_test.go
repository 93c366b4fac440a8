package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
)

// quietSend has n write messages to a group without delivering them to
// anyone: they stay in n's store until someone syncs.
func quietSend(t *testing.T, n *node, gid crypto.GroupID, texts ...string) {
	t.Helper()
	onManager(t, n, func(ctx context.Context, m *groupManager) {
		saved := m.peers
		m.peers = newPeers(m.log, holdGroups) // an empty presence table: everyone offline
		m.peers.net = offlineNet{}
		defer func() { m.peers = saved }()
		for _, text := range texts {
			if _, err := m.sendGroupText(ctx, m.groups[gid], text); err != nil {
				t.Error(err)
			}
		}
	})
}

// offlineNet is a network with no sessions.
type offlineNet struct{}

func (offlineNet) Connect(p2p.Target, p2p.Holder)           {}
func (offlineNet) Release(crypto.ID, p2p.Holder)            {}
func (offlineNet) TrySend(crypto.ID, ...wire.Message) error { return p2p.ErrNoSession }
func (offlineNet) MaxBatch() int                            { return 4096 }
func (offlineNet) Drop(crypto.ID, uint64, error)            {}

func storedRecords(t *testing.T, n *node, gid crypto.GroupID, author crypto.ID) []wire.Message {
	t.Helper()
	rows, err := n.account.store.GroupRecords(context.Background(), gid, author, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([][]byte, len(rows))
	for i, r := range rows {
		recs[i] = r.Record
	}
	return decodeRecords(recs)
}

func TestGapsAreFetchedAndRelayedDuplicatesStoredOnce(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	c := newNode(t, "c", t.TempDir(), "")
	gid := makeGroup(t, a, b, c)
	aID, bID, cID := a.core.Self().ID, b.core.Self().ID, c.core.Self().ID

	texts := []string{"one", "two", "three"}
	quietSend(t, b, gid, texts...)
	recs := storedRecords(t, b, gid, bID)
	if len(recs) != 3 {
		t.Fatalf("b stored %d records", len(recs))
	}
	// a gets only the third, and no key: it must notice the gap, fetch from
	// b, and decrypt once the key arrives with the answer.
	if err := b.core.engine.Send(ctx, aID, recs[2]); err != nil {
		t.Fatal(err)
	}
	for _, text := range texts {
		a.waitFor("a fills the gap: "+text, isGroupText(gid, text))
	}

	// c gets every record from two relays, twice each, before its key.
	for _, relay := range []*node{a, b} {
		// a and c are group peers, not contacts: their session may still be
		// coming up. A failed Send sends nothing, so retrying is safe.
		eventually(t, relay.name+" has a session with c", func() bool {
			return relay.core.engine.Send(ctx, cID, append(recs, recs...)...) == nil
		})
	}
	onManager(t, c, func(ctx context.Context, m *groupManager) { m.sendSync(ctx, m.groups[gid], bID, false) })
	for _, text := range texts {
		c.waitFor("c reads "+text, isGroupText(gid, text))
	}
	sendGroup(t, b, gid, "barrier")
	c.waitFor("barrier", isGroupText(gid, "barrier"))
	for _, n := range []*node{a, c} {
		// History reads the store without a trip through the manager, so
		// wait until the barrier is stored here too.
		n.waitFor("barrier", isGroupText(gid, "barrier"))
		for _, text := range texts {
			if k := n.count(isGroupText(gid, text)); k != 1 {
				t.Fatalf("%s shows %q %d times", n.name, text, k)
			}
		}
		hist, err := n.core.History(ctx, GroupChat(gid), 0, 100)
		hist = withoutSystem(hist)
		if err != nil || len(hist) != 4 {
			t.Fatalf("%s history: %d messages, %v", n.name, len(hist), err)
		}
	}
}

func TestFiftyMembersOneMessageReachesAll(t *testing.T) {
	if testing.Short() {
		t.Skip("50 cores")
	}
	const size = 50
	nodes := make([]*node, size)
	for i := range nodes {
		nodes[i] = newNode(t, fmt.Sprintf("m%02d", i), t.TempDir(), "")
	}
	start := time.Now()
	gid := makeGroup(t, nodes[0], nodes[1:]...)
	t.Logf("forming a group of %d took %v", size, time.Since(start))
	start = time.Now()
	sendGroup(t, nodes[0], gid, "hello fifty")
	for _, n := range nodes[1:] {
		n.waitFor("fifty", isGroupText(gid, "hello fifty"))
	}
	t.Logf("one message reached all %d other members in %v", size-1, time.Since(start))
}
