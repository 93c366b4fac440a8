package app

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

func TestRemovedMemberCannotDecryptWhatComesAfter(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	c := newNode(t, "c", t.TempDir(), "")
	gid := makeGroup(t, a, b, c)
	aID, cID := a.core.Self().ID, c.core.Self().ID
	sendGroup(t, a, gid, "before")
	c.waitFor("c reads before", isGroupText(gid, "before"))

	if err := a.core.Kick(ctx, gid, cID); err != nil {
		t.Fatal(err)
	}
	c.waitFor("c learns it was removed", func(e Event) bool {
		u, ok := e.(GroupUpdated)
		return ok && u.Group.ID == gid && u.Group.State == GroupLeft
	})
	waitGroupSize(t, b, gid, 2)
	sendGroup(t, a, gid, "after")
	b.waitFor("b reads after", isGroupText(gid, "after"))

	// The post-removal record, as any member would relay it.
	recs, err := b.account.store.GroupRecords(ctx, gid, aID, 1, 10)
	if err != nil || len(recs) != 1 {
		t.Fatalf("records %v, %v", recs, err)
	}
	msgs, _ := wire.DecodeAll(recs[0].Record)
	after := msgs[0].(wire.GroupMessage)
	h := crypto.GroupHeader{Group: gid, Author: aID, Epoch: after.Epoch, Seq: after.Seq}

	// No sender key for the new epoch was ever made for c.
	for _, n := range []*node{a, b} {
		keys, err := n.account.store.SenderKeysFor(ctx, gid, cID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if k.Epoch >= after.Epoch {
				t.Fatalf("%s holds a sender key for c at epoch %d", n.name, k.Epoch)
			}
		}
	}
	// Every chain c holds for a fails on the new message.
	chains, err := c.account.store.GroupChains(ctx, gid)
	if err != nil || len(chains) == 0 {
		t.Fatalf("c's chains: %v, %v", chains, err)
	}
	for _, ch := range chains {
		rt, err := crypto.UnmarshalRatchet(ch.State)
		if err != nil {
			t.Fatal(err)
		}
		if mk, err := rt.Key(after.Seq); err == nil {
			if _, err := crypto.OpenGroupMessage(mk, h, after.Ciphertext); err == nil {
				t.Fatal("the removed member decrypted a message sent after its removal")
			}
		}
	}
	// Handing c the record directly changes nothing either.
	if err := a.core.engine.Send(ctx, cID, after); err != nil {
		t.Fatal(err)
	}
	sendGroup(t, b, gid, "barrier")
	a.waitFor("barrier", isGroupText(gid, "barrier"))
	if c.count(isGroupText(gid, "after")) != 0 {
		t.Fatal("the removed member shows the message")
	}
	if !groupOnline(t, c, aID) {
		t.Fatal("the removed member lost its session with a contact")
	}
}

func TestForgedAuthorsStrangersAndNonAdminRostersAreDropped(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	m := newNode(t, "m", t.TempDir(), "")
	x := newNode(t, "x", t.TempDir(), "")
	gid := makeGroup(t, a, b, m)
	befriend(t, a, x)
	aID, bID := a.core.Self().ID, b.core.Self().ID

	var version uint64
	var roster *crypto.Roster
	onManager(t, m, func(ctx context.Context, gm *groupManager) {
		roster = gm.groups[gid].roster.Clone()
		version = roster.Version
	})

	// m signs a message as b.
	forged := func(author crypto.ID, signer *crypto.Identity, text string) wire.GroupMessage {
		var mk crypto.MessageKey
		rand.Read(mk[:])
		h := crypto.GroupHeader{Group: gid, Author: author, Epoch: version, Seq: 1}
		plain, _ := wire.AppendGroupText(nil, wire.GroupText{SentAt: time.Now().UnixMilli(), Body: text})
		ct, sig, err := crypto.SealGroupMessage(signer, h, mk, plain)
		if err != nil {
			t.Fatal(err)
		}
		w := wire.GroupMessage{Group: gid, Author: author, Epoch: version, Seq: 1, Ciphertext: ct}
		copy(w.Sig[:], sig)
		return w
	}
	// m (a member, not an admin) adds x.
	xc, err := a.core.Contact(ctx, x.core.Self().ID)
	if err != nil {
		t.Fatal(err)
	}
	bad := roster.Clone()
	bad.Version++
	bad.Members = append(bad.Members, crypto.RosterMember{Keys: xc.Keys, Name: "x", Role: crypto.RoleMember})
	bad.SortMembers()
	enc, err := crypto.SignRoster(bad, m.core.identity)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.core.engine.Send(ctx, aID, forged(bID, m.core.identity, "forged"), wire.GroupRoster{Roster: enc}); err != nil {
		t.Fatal(err)
	}
	// x, a contact of a but no member, posts under its own name.
	if err := x.core.engine.Send(ctx, aID, forged(x.core.Self().ID, x.core.identity, "stranger")); err != nil {
		t.Fatal(err)
	}
	// Barriers on both sessions: records on a session are handled in order.
	sendGroup(t, m, gid, "m barrier")
	a.waitFor("m barrier", isGroupText(gid, "m barrier"))
	if _, err := x.core.Send(ctx, ContactChat(aID), "x barrier"); err != nil {
		t.Fatal(err)
	}
	a.waitFor("x barrier", isReceived("x barrier"))

	g, err := a.core.Group(ctx, gid)
	if err != nil {
		t.Fatal(err)
	}
	if g.Version != version || len(g.Members) != 3 {
		t.Fatalf("roster moved to version %d with %d members", g.Version, len(g.Members))
	}
	hist, err := a.account.store.GroupAuthorSeqs(ctx, gid)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist[bID]) != 0 || len(hist[x.core.Self().ID]) != 0 {
		t.Fatalf("stored forged records: %v", hist)
	}
	var states []store.GroupMsgState
	onManager(t, a, func(ctx context.Context, gm *groupManager) {
		for _, id := range []crypto.ID{bID, x.core.Self().ID} {
			if gm.groups[gid].contig[id] != 0 {
				states = append(states, 1)
			}
		}
	})
	if len(states) != 0 {
		t.Fatal("manager counted forged records")
	}
}
