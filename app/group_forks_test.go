package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
)

// currentRoster returns a copy of n's roster of a group, with its encoding.
func currentRoster(t *testing.T, n *node, gid crypto.GroupID) (*crypto.Roster, []byte) {
	t.Helper()
	var r *crypto.Roster
	onManager(t, n, func(ctx context.Context, m *groupManager) { r = m.groups[gid].roster })
	enc, err := crypto.MarshalRoster(r)
	if err != nil {
		t.Fatal(err)
	}
	c, err := crypto.ParseRoster(enc)
	if err != nil {
		t.Fatal(err)
	}
	return c, enc
}

// signFork signs a successor of base made by edit, as signer.
func signFork(t *testing.T, base *crypto.Roster, signer *crypto.Identity, edit func(*crypto.Roster)) (*crypto.Roster, []byte) {
	t.Helper()
	n := base.Clone()
	n.Version++
	edit(n)
	n.SortMembers()
	enc, err := crypto.SignRoster(n, signer)
	if err != nil {
		t.Fatal(err)
	}
	return n, enc
}

func hashLess(a, b []byte) bool {
	ha, hb := crypto.RosterHash(a), crypto.RosterHash(b)
	return string(ha[:]) < string(hb[:])
}

// groundOwnAddress is the attacker's fork of base that changes only its
// own address, tried until its hash sorts before target's: under a rule
// where the smaller hash wins, it would win.
func groundOwnAddress(t *testing.T, base *crypto.Roster, signer *crypto.Identity, target []byte) []byte {
	t.Helper()
	for i := range 5000 {
		_, enc := signFork(t, base, signer, func(r *crypto.Roster) {
			for j := range r.Members {
				if r.Members[j].Keys.ID() == signer.ID() {
					r.Members[j].Addrs = []string{fmt.Sprintf("10.9.9.9:%d", 1000+i)}
				}
			}
		})
		if hashLess(enc, target) {
			return enc
		}
	}
	t.Fatal("no fork sorts first")
	return nil
}

func dropMember(id crypto.ID) func(*crypto.Roster) {
	return func(r *crypto.Roster) {
		for i, rm := range r.Members {
			if rm.Keys.ID() == id {
				r.Members = append(r.Members[:i], r.Members[i+1:]...)
				return
			}
		}
	}
}

func storedRoster(t *testing.T, n *node, gid crypto.GroupID, v uint64) []byte {
	t.Helper()
	enc, err := n.account.store.Roster(context.Background(), gid, v)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

func isForkLine(gid crypto.GroupID) func(Event) bool {
	return func(e Event) bool {
		s, ok := e.(GroupSystem)
		return ok && s.Group == gid && strings.Contains(s.Text, "crossed")
	}
}

// noKeyFor fails if n ever sealed a sender key of epoch >= epoch to id.
func noKeyFor(t *testing.T, n *node, gid crypto.GroupID, id crypto.ID, epoch uint64) {
	t.Helper()
	keys, err := n.account.store.SenderKeysFor(context.Background(), gid, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Epoch >= epoch {
			t.Fatalf("%s sealed a sender key of epoch %d to a removed member", n.name, k.Epoch)
		}
	}
}

// promoteAdmin has the owner a make k an admin of gid and waits until k and
// the others hold that version, which it returns: the base the fork tests
// build their rival versions on.
func promoteAdmin(t *testing.T, a, k *node, gid crypto.GroupID, others ...*node) *crypto.Roster {
	t.Helper()
	if err := a.core.Promote(context.Background(), gid, k.core.Self().ID); err != nil {
		t.Fatal(err)
	}
	base, _ := currentRoster(t, a, gid)
	for _, n := range append([]*node{k}, others...) {
		eventually(t, n.name+" sees k promoted", func() bool { r, _ := currentRoster(t, n, gid); return r.Version == base.Version })
	}
	return base
}

func TestAKickedAdminsGroundForkLosesAndGetsNoNewKey(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	k := newNode(t, "k", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	gid := makeGroup(t, a, k, b)
	aID, kID := a.core.Self().ID, k.core.Self().ID
	base := promoteAdmin(t, a, k, gid, b)
	if err := a.core.Kick(ctx, gid, kID); err != nil {
		t.Fatal(err)
	}
	waitGroupSize(t, b, gid, 2)
	kick := storedRoster(t, a, gid, base.Version+1)

	// k's rival version of the same number, ground to sort first, reaches
	// the owner through a member who took it.
	fork := groundOwnAddress(t, base, k.core.identity, kick)
	if err := b.core.engine.Send(ctx, aID, wire.GroupRoster{Roster: fork}); err != nil {
		t.Fatal(err)
	}
	sendGroup(t, b, gid, "barrier")
	a.waitFor("barrier", isGroupText(gid, "barrier"))

	if _, enc := currentRoster(t, a, gid); string(enc) != string(kick) {
		t.Fatal("the owner left its own kick for the kicked admin's fork")
	}
	if a.count(isForkLine(gid)) != 0 {
		t.Fatal("the owner switched forks")
	}
	sendGroup(t, a, gid, "after the kick")
	b.waitFor("after the kick", isGroupText(gid, "after the kick"))
	noKeyFor(t, a, gid, kID, base.Version+1)
	noKeyFor(t, b, gid, kID, base.Version+1)
}

func TestADemotedAdminCannotUndoItsDemotion(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	k := newNode(t, "k", t.TempDir(), "")
	gid := makeGroup(t, a, k)
	aID, kID := a.core.Self().ID, k.core.Self().ID
	base := promoteAdmin(t, a, k, gid)
	if err := a.core.Demote(ctx, gid, kID); err != nil {
		t.Fatal(err)
	}
	demotion := storedRoster(t, a, gid, base.Version+1)
	fork := groundOwnAddress(t, base, k.core.identity, demotion)
	if err := k.core.engine.Send(ctx, aID, wire.GroupRoster{Roster: fork}); err != nil {
		t.Fatal(err)
	}
	sendGroup(t, k, gid, "barrier")
	a.waitFor("barrier", isGroupText(gid, "barrier"))
	r, enc := currentRoster(t, a, gid)
	if string(enc) != string(demotion) {
		t.Fatal("the owner took the demoted admin's fork")
	}
	if rm, _ := r.Member(kID); rm.Role != crypto.RoleMember {
		t.Fatalf("k is %v", rm.Role)
	}
}

func TestAMembersSelfRemovalForkDoesNotRevertAKick(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	m := newNode(t, "m", t.TempDir(), "")
	f := newNode(t, "f", t.TempDir(), "")
	gid := makeGroup(t, a, m, f)
	aID, mID, fID := a.core.Self().ID, m.core.Self().ID, f.core.Self().ID
	base, _ := currentRoster(t, a, gid)

	// m leaves at the version where the owner kicks m's friend f. The
	// owner's version is picked to sort after m's, so that the smaller
	// hash would have put f back.
	_, leave := signFork(t, base, m.core.identity, dropMember(mID))
	var kick []byte
	for i := 0; kick == nil; i++ {
		_, enc := signFork(t, base, a.core.identity, func(r *crypto.Roster) {
			dropMember(fID)(r)
			r.Description = fmt.Sprintf("kicked f, try %d", i)
		})
		if hashLess(leave, enc) {
			kick = enc
		}
	}
	if err := m.core.engine.Send(ctx, aID, wire.GroupRoster{Roster: kick}, wire.GroupRoster{Roster: leave}); err != nil {
		t.Fatal(err)
	}
	sendGroup(t, m, gid, "barrier")
	a.waitFor("barrier", isGroupText(gid, "barrier"))
	r, enc := currentRoster(t, a, gid)
	if string(enc) != string(kick) {
		t.Fatalf("the owner holds version %d, not its kick", r.Version)
	}
	if _, in := r.Member(fID); in {
		t.Fatal("the kick was reverted")
	}
}

func TestAMemberPastTheForkSwitchesToTheWinnerAndTheGroupConverges(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	k := newNode(t, "k", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	c := newNode(t, "c", t.TempDir(), "")
	gid := makeGroup(t, a, k, b, c)
	bID, kID, cID := b.core.Self().ID, k.core.Self().ID, c.core.Self().ID
	base := promoteAdmin(t, a, k, gid, b, c)

	// b first takes k's fork (k kicks c) and a version built on it.
	l1, l1enc := signFork(t, base, k.core.identity, dropMember(cID))
	_, l2enc := signFork(t, l1, k.core.identity, func(r *crypto.Roster) { r.Name = "k's" })
	eventually(t, "k reaches b", func() bool { return groupOnline(t, k, bID) })
	if err := k.core.engine.Send(ctx, bID, wire.GroupRoster{Roster: l1enc}, wire.GroupRoster{Roster: l2enc}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b takes k's versions", func() bool {
		r, _ := currentRoster(t, b, gid)
		return r.Version == base.Version+2 && r.Name == "k's"
	})

	// Then the owner demotes k at the same version: its fork wins.
	if err := a.core.Demote(ctx, gid, kID); err != nil {
		t.Fatal(err)
	}
	b.waitFor("b switches forks", isForkLine(gid))
	_, want := currentRoster(t, a, gid)
	for _, n := range []*node{k, b, c} {
		eventually(t, n.name+" holds the owner's version", func() bool {
			_, enc := currentRoster(t, n, gid)
			return string(enc) == string(want)
		})
	}
	if _, err := b.account.store.Roster(ctx, gid, base.Version+2); err == nil {
		t.Fatal("b kept the version built on the losing fork")
	}
	sendGroup(t, b, gid, "after the switch")
	for _, n := range []*node{a, c} {
		n.waitFor("after the switch", isGroupText(gid, "after the switch"))
	}
	sendGroup(t, c, gid, "c is still in")
	b.waitFor("c is still in", isGroupText(gid, "c is still in"))
}

// logTap counts log records with a given message and peer.
type logTap struct {
	mu    sync.Mutex
	msg   string
	peer  crypto.ID
	count int
}

func (l *logTap) Enabled(context.Context, slog.Level) bool { return true }
func (l *logTap) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logTap) WithGroup(string) slog.Handler            { return l }
func (l *logTap) Handle(_ context.Context, r slog.Record) error {
	if r.Message != l.msg {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if id, ok := a.Value.Any().(crypto.ID); ok && a.Key == "peer" && id == l.peer {
			l.mu.Lock()
			l.count++
			l.mu.Unlock()
		}
		return true
	})
	return nil
}

func (l *logTap) seen() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count
}

func TestAStrangersRostersAndSyncsGetNoAnswer(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	stranger, _ := crypto.GenerateIdentity(rand.Reader)
	tap := &logTap{msg: logNonMember, peer: stranger.ID()}
	a := newNode(t, "a", t.TempDir(), "", func(c *Config) { c.Logger = slog.New(tap) })
	b := newNode(t, "b", t.TempDir(), "")
	gid := makeGroup(t, a, b)
	self := a.core.Self()
	base, _ := currentRoster(t, a, gid)

	e, _ := rawPeer(t, stranger)
	e.Connect(p2p.Target{Keys: self.Keys, Addrs: []string{self.ListenAddr}}, "test")
	waitPeerUp(t, e, self.ID)
	// A "future" roster that lists the stranger, and syncs that claim
	// versions ahead of and behind the group's.
	future := base.Clone()
	future.Version += 5
	future.Members = append(future.Members, crypto.RosterMember{Keys: stranger.Public(), Name: "x", Role: crypto.RoleAdmin})
	future.SortMembers()
	enc, err := crypto.SignRoster(future, stranger)
	if err != nil {
		t.Fatal(err)
	}
	forged := []wire.Message{
		wire.GroupRoster{Roster: enc},
		wire.GroupSync{Group: gid, Version: base.Version + 5},
		wire.GroupSync{Group: gid, Version: 1},
	}
	if err := e.Send(ctx, self.ID, forged...); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a handled the forged records", func() bool { return tap.seen() == len(forged) })

	// Anything a answered was queued on this session before the contact
	// accept that follows, so it would arrive first.
	if err := e.Send(ctx, self.ID, wire.ContactRequest{Name: "x"}); err != nil {
		t.Fatal(err)
	}
	a.waitFor("the request", func(ev Event) bool { _, ok := ev.(ContactRequest); return ok })
	if err := a.core.Accept(ctx, stranger.ID()); err != nil {
		t.Fatal(err)
	}
	for {
		ev := <-e.Events()
		r, ok := ev.(p2p.Received)
		if !ok {
			continue
		}
		for _, msg := range r.Msgs {
			if isGroupMessage(msg) {
				t.Fatalf("the stranger got %T", msg)
			}
			if _, ok := msg.(wire.ContactAccept); ok {
				return
			}
		}
	}
}

func TestAMemberThatWasAwayWalksBackToWhereTheForkBegan(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	k := newNode(t, "k", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	gid := makeGroup(t, a, k, b)
	bID, kID := b.core.Self().ID, k.core.Self().ID
	base := promoteAdmin(t, a, k, gid, b)

	// While the owner is away, b takes two versions from k.
	a.stop()
	l1, l1enc := signFork(t, base, k.core.identity, func(r *crypto.Roster) { r.Description = "k's way" })
	_, l2enc := signFork(t, l1, k.core.identity, func(r *crypto.Roster) { r.Name = "k's" })
	eventually(t, "k reaches b", func() bool { return groupOnline(t, k, bID) })
	if err := k.core.engine.Send(ctx, bID, wire.GroupRoster{Roster: l1enc}, wire.GroupRoster{Roster: l2enc}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b takes k's versions", func() bool {
		r, _ := currentRoster(t, b, gid)
		return r.Version == base.Version+2 && r.Name == "k's"
	})

	// Then, with b and k away, the owner makes two versions of its own.
	// Back, b first hears of the owner's second one, at its own version.
	b.stop()
	k.stop()
	a = a.restart()
	if err := a.core.Demote(ctx, gid, kID); err != nil {
		t.Fatal(err)
	}
	if err := a.core.SetGroupInfo(ctx, gid, "owner's", "the owner's way"); err != nil {
		t.Fatal(err)
	}
	_, want := currentRoster(t, a, gid)
	b = b.restart()
	eventually(t, "b holds the owner's versions", func() bool {
		_, enc := currentRoster(t, b, gid)
		return string(enc) == string(want)
	})
	b.waitFor("b says that it switched", isForkLine(gid))
	eventually(t, "b's every version is the owner's", func() bool {
		for v := base.Version + 1; v <= base.Version+2; v++ {
			mine, err := b.account.store.Roster(ctx, gid, v)
			if err != nil || string(mine) != string(storedRoster(t, a, gid, v)) {
				return false
			}
		}
		return true
	})
}

func TestAPeerIsNotAskedForTheSameForkPointTwiceInARow(t *testing.T) {
	ctx := context.Background()
	net := &scriptedNet{}
	m, peer, gid := jobManager(net)
	m.asked = make(map[syncKey]uint64)
	g := m.groups[gid]
	m.askFork(ctx, g, peer, 2)
	m.askFork(ctx, g, peer, 2) // same answer again: its next version still does not follow
	m.askFork(ctx, g, peer, 1) // one further back
	var versions []uint64
	for _, batch := range net.taken {
		for _, msg := range batch {
			versions = append(versions, msg.(wire.GroupSync).Version)
		}
	}
	if len(versions) != 2 || versions[0] != 2 || versions[1] != 1 {
		t.Fatalf("asked for versions %v, want [2 1]", versions)
	}
	m.peerDown(ctx, p2p.PeerDown{ID: peer, Session: 1})
	if len(m.asked) != 0 {
		t.Fatal("what we asked outlives the session")
	}
}

// A member that wrote in an epoch on the losing fork writes again, after
// the switch, with a fresh chain for that same epoch starting at its next
// sequence number. A reader that had read everything it wrote holds its
// old chain at exactly that number, and must still take the fresh one.
func TestAFreshChainAfterASwitchIsReadByWhoReadTheOldOne(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	k := newNode(t, "k", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	gid := makeGroup(t, a, k, b)
	bID, kID := b.core.Self().ID, k.core.Self().ID
	base := promoteAdmin(t, a, k, gid, b)

	// With b and k away, the owner demotes k: the fork that will win.
	b.stop()
	k.stop()
	if err := a.core.Demote(ctx, gid, kID); err != nil {
		t.Fatal(err)
	}
	a.stop()

	// With the owner away, b takes k's rival version and writes in its
	// epoch; k reads it, so k's chain for b sits at b's next seq.
	b, k = b.restart(), k.restart()
	_, l1enc := signFork(t, base, k.core.identity, func(r *crypto.Roster) { r.Description = "k's way" })
	eventually(t, "k reaches b", func() bool { return groupOnline(t, k, bID) })
	if err := k.core.engine.Send(ctx, bID, wire.GroupRoster{Roster: l1enc}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b takes k's version", func() bool {
		r, _ := currentRoster(t, b, gid)
		return r.Version == base.Version+1 && r.Description == "k's way"
	})
	sendGroup(t, b, gid, "on the losing fork")
	k.waitFor("on the losing fork", isGroupText(gid, "on the losing fork"))

	// The owner is back: its fork wins on b and k, and what b writes next
	// (a fresh chain for the same epoch) is read by both.
	a = a.restart()
	_, want := currentRoster(t, a, gid)
	for _, n := range []*node{b, k} {
		eventually(t, n.name+" holds the owner's version", func() bool {
			_, enc := currentRoster(t, n, gid)
			return string(enc) == string(want)
		})
	}
	sendGroup(t, b, gid, "after the switch")
	for _, n := range []*node{k, a} {
		n.waitFor("after the switch", isGroupText(gid, "after the switch"))
	}
}
