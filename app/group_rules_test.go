package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

func isSystemLine(gid crypto.GroupID, part string) func(Event) bool {
	return func(e Event) bool {
		s, ok := e.(GroupSystem)
		return ok && s.Group == gid && strings.Contains(s.Text, part)
	}
}

func TestOnlyAMemberRenamesItselfAndEveryRenameStaysInHistory(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	k := newNode(t, "k", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	gid := makeGroup(t, a, k, b)
	aID, kID, bID := a.core.Self().ID, k.core.Self().ID, b.core.Self().ID
	if err := a.core.Promote(ctx, gid, kID); err != nil {
		t.Fatal(err)
	}
	base, _ := currentRoster(t, a, gid)
	eventually(t, "k and b see k promoted", func() bool {
		rk, _ := currentRoster(t, k, gid)
		rb, _ := currentRoster(t, b, gid)
		return rk.Version == base.Version && rb.Version == base.Version
	})

	// The admin swaps its name with the owner's: refused.
	_, swap := signFork(t, base, k.core.identity, func(r *crypto.Roster) {
		for i := range r.Members {
			switch r.Members[i].Keys.ID() {
			case aID:
				r.Members[i].Name = "k"
			case kID:
				r.Members[i].Name = "a"
			}
		}
	})
	eventually(t, "k reaches b", func() bool { return groupOnline(t, k, bID) })
	if err := k.core.engine.Send(ctx, bID, wire.GroupRoster{Roster: swap}); err != nil {
		t.Fatal(err)
	}
	sendGroup(t, k, gid, "barrier")
	b.waitFor("barrier", isGroupText(gid, "barrier"))
	if r, _ := currentRoster(t, b, gid); r.Version != base.Version {
		t.Fatal("b took an admin's rename of the owner")
	}

	// k may take the owner's name for itself, but says so, and both then
	// show with their short IDs.
	if err := k.core.SetMyGroupName(ctx, gid, "a"); err != nil {
		t.Fatal(err)
	}
	line := `k is now called "a"`
	sys := b.waitFor("the rename line", isSystemLine(gid, line)).(GroupSystem)
	sendGroup(t, k, gid, "it's me, the owner")
	ev := b.waitFor("k's text", isGroupText(gid, "it's me, the owner"))
	if got, want := ev.(MessageReceived).Message.AuthorName, fmt.Sprintf("a (%s)", kID.Short()); got != want {
		t.Fatalf("k's text shows as from %q, want %q", got, want)
	}
	g, err := b.core.Group(ctx, gid)
	if err != nil {
		t.Fatal(err)
	}
	for _, gm := range g.Members {
		if gm.Name == "a" && gm.Display != fmt.Sprintf("a (%s)", gm.ID.Short()) {
			t.Fatalf("member %s shows as %q", gm.ID.Short(), gm.Display)
		}
	}

	b = b.restart()
	hist, err := b.core.History(ctx, GroupChat(gid), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var sawLine, sawText bool
	for _, m := range hist {
		sawLine = sawLine || (m.System && m.Text == line && m.ID == sys.ID && m.Cursor == sys.Cursor)
		if m.Text == "it's me, the owner" {
			sawText = m.AuthorName == fmt.Sprintf("a (%s)", kID.Short())
		}
	}
	if !sawLine || !sawText {
		t.Fatalf("after a restart, history has the line %v, k's text under its own tag %v", sawLine, sawText)
	}
}

func TestAFormerMemberGetsNoRosterPastItsRemoval(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	c := newNode(t, "c", t.TempDir(), "")
	gid := makeGroup(t, a, b, c)
	cID := c.core.Self().ID
	base, _ := currentRoster(t, a, gid)
	if err := a.core.Kick(ctx, gid, cID); err != nil {
		t.Fatal(err)
	}
	if err := a.core.SetGroupInfo(ctx, gid, "secret plans", "where we meet next"); err != nil {
		t.Fatal(err)
	}
	var versions []uint64
	onManager(t, a, func(ctx context.Context, m *groupManager) {
		g := m.groups[gid]
		if !m.wasMember(ctx, g, cID, base.Version) {
			t.Error("c is not recognised as a former member")
		}
		for _, msg := range m.rostersFor(ctx, g, cID, base.Version) {
			r, err := crypto.ParseRoster(msg.(wire.GroupRoster).Roster)
			if err != nil {
				t.Fatal(err)
			}
			versions = append(versions, r.Version)
		}
	})
	if len(versions) != 2 || versions[0] != base.Version || versions[1] != base.Version+1 {
		t.Fatalf("a former member at version %d gets versions %v", base.Version, versions)
	}
}

// forgeRecord is a group message m signs under a key no one holds.
func forgeRecord(t *testing.T, signer *crypto.Identity, gid crypto.GroupID, epoch, seq uint64) wire.GroupMessage {
	t.Helper()
	var mk crypto.MessageKey
	rand.Read(mk[:])
	h := crypto.GroupHeader{Group: gid, Author: signer.ID(), Epoch: epoch, Seq: seq}
	plain, _ := wire.AppendGroupText(nil, wire.GroupText{SentAt: time.Now().UnixMilli(), Body: "noise"})
	ct, sig, err := crypto.SealGroupMessage(signer, h, mk, plain)
	if err != nil {
		t.Fatal(err)
	}
	w := wire.GroupMessage{Group: gid, Author: signer.ID(), Epoch: epoch, Seq: seq, Ciphertext: ct}
	copy(w.Sig[:], sig)
	return w
}

// storedSeqsAfter has m send recs to a, then a readable message as a
// barrier, and returns the author sequence numbers a has stored for m once
// the barrier arrived. The barrier goes to a second group: in gid it would
// take a sequence number a forged record holds, and a's one group manager
// handles m's records in the order they came.
func storedSeqsAfter(t *testing.T, a, m *node, gid crypto.GroupID, recs []wire.Message) string {
	t.Helper()
	ctx := context.Background()
	fence := inviteAll(t, m, a)
	if err := m.core.engine.Send(ctx, a.core.Self().ID, recs...); err != nil {
		t.Fatal(err)
	}
	sendGroup(t, m, fence, "barrier")
	a.waitFor("barrier", isGroupText(fence, "barrier"))
	seqs, err := a.account.store.GroupAuthorSeqs(ctx, gid)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(seqs[m.core.Self().ID])
}

func TestAMemberCannotFillTheDiskWithUnreadableRecords(t *testing.T) {
	checkGoroutines(t)
	a := newNode(t, "a", t.TempDir(), "")
	m := newNode(t, "m", t.TempDir(), "")
	gid := makeGroup(t, a, m)
	base, _ := currentRoster(t, a, gid)
	onManager(t, a, func(_ context.Context, gm *groupManager) { gm.pendingCap.Count = 3 })

	var recs []wire.Message
	recs = append(recs, forgeRecord(t, m.core.identity, gid, base.Version+100, 2)) // an epoch no one made
	recs = append(recs, forgeRecord(t, m.core.identity, gid, base.Version, seqWindow+50))
	for seq := uint64(1); seq <= 10; seq++ { // in a row, under a key no one holds
		recs = append(recs, forgeRecord(t, m.core.identity, gid, base.Version, seq))
	}
	if got := storedSeqsAfter(t, a, m, gid, recs); got != "[1 2 3]" {
		t.Fatalf("stored sequence numbers of m: %s, want 3 unreadable ones", got)
	}
}

func TestOneContactCannotFillTheInviteSlots(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	x := newNode(t, "x", t.TempDir(), "")
	tap := &logTap{msg: "too many pending group invites; dropping one", peer: x.core.Self().ID}
	a := newNode(t, "a", t.TempDir(), "", func(c *Config) { c.Logger = slog.New(tap) })
	befriend(t, x, a)
	extra := 2
	for i := range maxInvitesPerInviter + extra {
		g, err := x.core.CreateGroup(ctx, fmt.Sprintf("spam %d", i), "")
		if err != nil {
			t.Fatal(err)
		}
		if err := x.core.Invite(ctx, g.ID, a.core.Self().ID); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "a drops the invites over the cap", func() bool { return tap.seen() == extra })
	groups, err := a.core.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	invited := 0
	for _, g := range groups {
		if g.State == store.GroupInvited {
			invited++
		}
	}
	if invited != maxInvitesPerInviter {
		t.Fatalf("%d invites from one contact are pending", invited)
	}
}

func TestTheUnreadableRecordsQuotaCountsBytes(t *testing.T) {
	checkGoroutines(t)
	a := newNode(t, "a", t.TempDir(), "")
	m := newNode(t, "m", t.TempDir(), "")
	gid := makeGroup(t, a, m)
	base, _ := currentRoster(t, a, gid)

	var recs []wire.Message
	for seq := uint64(1); seq <= 10; seq++ { // in a row, under a key no one holds
		recs = append(recs, forgeRecord(t, m.core.identity, gid, base.Version, seq))
	}
	one, err := wire.Append(nil, recs[0])
	if err != nil {
		t.Fatal(err)
	}
	// Room for two and a half records: the count cap is far away.
	onManager(t, a, func(_ context.Context, gm *groupManager) {
		gm.pendingCap = store.PendingUse{Count: 1000, Bytes: int64(len(one) * 5 / 2)}
	})
	if got := storedSeqsAfter(t, a, m, gid, recs); got != "[1 2]" {
		t.Fatalf("stored sequence numbers of m: %s, want 2 unreadable ones", got)
	}
}

func TestUnreadableRecordsArePrunedAtStartOnceOld(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	m := newNode(t, "m", t.TempDir(), "")
	gid := makeGroup(t, a, m)
	mID := m.core.Self().ID
	base, _ := currentRoster(t, a, gid)
	stored := func(seq uint64, at time.Time) store.GroupMessage {
		rec, err := wire.Append(nil, forgeRecord(t, m.core.identity, gid, base.Version, seq))
		if err != nil {
			t.Fatal(err)
		}
		return store.GroupMessage{Group: gid, Author: mID, AuthorSeq: seq, Epoch: base.Version,
			State: store.GroupMsgPending, SentAt: at, StoredAt: at, Record: rec}
	}
	old := time.Now().Add(-unreadableRecordAge - time.Hour)
	if _, err := a.account.store.AddGroupMessages(ctx, []store.GroupMessage{stored(500, old), stored(501, time.Now())}, nil); err != nil {
		t.Fatal(err)
	}
	a = a.restart()
	// The group manager prunes as it loads, after restart returns.
	eventually(t, "a prunes the old record and keeps the new one", func() bool {
		seqs, err := a.account.store.GroupAuthorSeqs(ctx, gid)
		return err == nil && !slices.Contains(seqs[mID], 500) && slices.Contains(seqs[mID], 501)
	})
}
